"""Keeping the directory on a fake store: last change wins, tombstones erase, dead contacts go."""

from herald.contracts import Channel
from herald.contracts.internal import ContactInvalidated
from tests.support.scheduler import recipient
from tests.unit.scheduler.harness import NOW, Scheduler


async def test_the_last_change_of_a_recipient_id_wins_and_a_tombstone_erases() -> None:
    s = Scheduler()
    await s.directory.apply(
        [
            ("acme", "t-1", recipient("t-1")),
            ("acme", "t-1", None),
            ("acme", "t-2", recipient("t-2", tags=["old"])),
            ("acme", "t-2", recipient("t-2", tags=["new"])),
        ]
    )
    assert list(s.state.recipients) == [("acme", "t-2")]
    assert s.state.recipients[("acme", "t-2")].tags == ("new",)


async def test_tenants_are_apart_a_profile_or_tombstone_of_one_never_touches_another() -> None:
    s = Scheduler()
    await s.add(recipient("t-1"), recipient("t-2"))
    await s.directory.apply(
        [
            ("globex", "t-1", recipient("t-1", tenant="globex", tags=["theirs"])),
            ("globex", "t-2", None),
        ]
    )
    assert sorted(s.state.recipients) == [("acme", "t-1"), ("acme", "t-2"), ("globex", "t-1")]
    assert s.state.recipients[("acme", "t-1")].tags == recipient("t-1").tags


async def test_dead_contacts_are_dropped_and_counted_once() -> None:
    s = Scheduler()
    await s.add(recipient("p-1"))

    def dead(channel: Channel, contact: str, rid: str = "p-1") -> ContactInvalidated:
        return ContactInvalidated(
            tenant="acme", recipient_id=rid, channel=channel, contact=contact, reason="gone", at=NOW
        )

    changed = await s.directory.invalidate(
        [
            dead(Channel.APP_PUSH, "tk"),
            dead(Channel.APP_PUSH, "tk"),
            dead(Channel.SMS, "+1"),
            dead(Channel.SMS, "+8613800000000", "ghost"),
        ]
    )
    assert changed == 1
    contacts = s.state.recipients[("acme", "p-1")].contacts
    assert contacts.push_tokens == ()
    assert contacts.phone == "+8613800000000"
