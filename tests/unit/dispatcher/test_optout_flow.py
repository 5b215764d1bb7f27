"""The opt-out flow with hand-written fakes: what is applied, audited and published, and
which SMS replies opt whom out."""

from prometheus_client import CollectorRegistry, Counter

from herald.contracts import Category, Channel, ConsentSource, Recipient, Topic
from herald.dispatcher.domain.inbound import InboundReply
from herald.dispatcher.domain.phones import phone_key_of
from herald.dispatcher.optout.changes import Change
from herald.dispatcher.optout.flow import OptOuts
from herald.dispatcher.optout.replies import OptOutReplies
from tests.support.fakes import FakeEventBus
from tests.unit.dispatcher.builders import T0
from tests.unit.dispatcher.optout_fakes import FakeOptOuts, RecordedReplies

KEY = phone_key_of(b"sign-me")


def flow() -> tuple[OptOuts, FakeOptOuts, FakeEventBus]:
    store, events = FakeOptOuts(), FakeEventBus()
    counter = Counter("changes", "", ["source", "direction"], registry=CollectorRegistry())
    return OptOuts(store, events, counter), store, events


def link(allowed: bool = False) -> Change:
    return Change("acme", "u-1", Category.MARKETING, Channel.EMAIL, allowed,
                  ConsentSource.LINK, T0, "d-1", "link in d-1")  # fmt: skip


async def test_an_opt_out_is_published_once_with_its_unsubscribe_and_audited() -> None:
    optouts, store, events = flow()
    assert await optouts.change([link()]) == 1
    assert await optouts.change([link()]) == 0  # the second one-click POST
    [changed] = [p.json() for p in events.on(Topic.CONSENT)]
    assert (changed["recipient_id"], changed["allowed"], changed["source"]) == (
        "u-1",
        False,
        "link",
    )
    [unsub] = [p.json() for p in events.on(Topic.ENGAGEMENT)]
    assert (unsub["kind"], unsub["event_id"]) == ("unsubscribed", "unsubscribed-d-1")
    assert [event_id for event_id, _ in store.audit] == [changed["event_id"]]


async def test_opting_back_in_is_published_but_is_no_unsubscribe() -> None:
    optouts, _, events = flow()
    await optouts.change([link()])
    await optouts.change([link(allowed=True)])
    assert [p.json()["allowed"] for p in events.on(Topic.CONSENT)] == [False, True]
    assert len(events.on(Topic.ENGAGEMENT)) == 1


def reply(text: str, phone: str = "+8613800138000") -> InboundReply:
    return InboundReply(phone, text, "ali", "acme", T0)


async def test_an_opt_out_reply_opts_out_every_recipient_with_that_number_of_sms_only() -> None:
    optouts, store, events = flow()
    store.phones[("acme", KEY("acme", "13800138000") or "")] = ["u-1", "u-2"]
    recorded = RecordedReplies()
    replies = OptOutReplies(recorded, store, optouts, KEY)
    await replies.received(reply("请问几点发货"))
    assert events.on(Topic.CONSENT) == []
    await replies.received(reply("ＴＤ"))
    assert len(recorded.seen) == 2  # every reply is still recorded
    assert {(p.json()["recipient_id"], p.json()["channel"]) for p in events.on(Topic.CONSENT)} == {
        ("u-1", "sms"),
        ("u-2", "sms"),
    }


async def test_a_profile_arriving_with_a_number_that_said_stop_is_opted_out() -> None:
    optouts, store, events = flow()
    replies = OptOutReplies(RecordedReplies(), store, optouts, KEY)
    await replies.received(reply("STOP", "+8613900139000"))
    assert events.on(Topic.CONSENT) == []
    late = Recipient.model_validate(
        {"recipient_id": "u-9", "tenant": "acme", "contacts": {"phone": "13900139000"}}
    )
    other = Recipient.model_validate({"recipient_id": "u-8", "tenant": "acme"})
    await replies.on_profiles(
        [("acme", "u-9", late), ("acme", "u-8", other), ("acme", "u-7", None)]
    )
    [changed] = [p.json() for p in events.on(Topic.CONSENT)]
    assert (changed["recipient_id"], changed["source"]) == ("u-9", "sms_reply")
