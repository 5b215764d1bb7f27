"""Texts the same for every recipient are rendered once; anything per recipient is not."""

from datetime import timedelta

from herald.contracts import Channel
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.rendering import Variants, render_tracked
from tests.unit.dispatcher.builders import SIGNER, T0, send

LINKS = TrackingLinks(SIGNER, "https://t.example", lambda: T0 + timedelta(days=30))


def test_a_shared_variant_renders_the_same_texts_for_each_recipient_as_without_memory() -> None:
    variants = Variants()
    plain = {"title": "Sale", "body": "Half price today"}
    for i in range(3):
        s = send(f"d-var-{i}", recipient_id=f"u-{i}", content=plain)
        got, _ = render_tracked(s, Channel.SMS, LINKS, variants)
        fresh, _ = render_tracked(s, Channel.SMS, LINKS)
        assert got == fresh
        assert (got.delivery_id, got.recipient_id) == (f"d-var-{i}", f"u-{i}")


def test_personal_texts_and_tracked_links_stay_per_recipient() -> None:
    variants = Variants()
    content = {"title": "Hi {{ recipient.id }}", "body": "See https://shop.example.com/w"}
    bodies, titles = set(), set()
    for i in range(3):
        s = send(f"d-var-{i}", recipient_id=f"u-{i}", content=content)
        got, wrapped = render_tracked(s, Channel.SMS, LINKS, variants)
        [(tracked, target)] = wrapped.items()
        assert target == "https://shop.example.com/w"
        link = SIGNER.verify(tracked.removeprefix("https://t.example/r/"), T0)
        assert link is not None
        assert link.delivery_id == f"d-var-{i}"
        bodies.add(got.body)
        titles.add(got.title)
    assert titles == {"Hi u-0", "Hi u-1", "Hi u-2"}
    assert len(bodies) == 3
