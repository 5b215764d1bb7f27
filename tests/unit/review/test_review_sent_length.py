"""Review counts an SMS with its links as long as the dispatcher will make them."""

from datetime import UTC, datetime, timedelta

import pytest

from herald.dispatcher.domain.links import TrackingLinks
from herald.policy import sms_segments
from herald.review.domain.sent_length import TrackedLinks
from herald.runtime.links import LinkSigner

TEXTS = [
    "【Acme】会员5折起 https://shop.example.com/winter?c=w26 回T退订",
    "Sale: https://shop.example.com/a, https://shop.example.com/b). Reply STOP",
    "链接：https://例子.example/路径?q=值。谢谢",
    "no links at all, shop.example.com/bare is not tracked",
    'already ours: https://t.herald.example.com/r/abc and http://x.example/"quoted"',
]


@pytest.mark.parametrize("text", TEXTS)
@pytest.mark.parametrize("key_id", ["k1", "production-2026"])
def test_the_stand_in_is_as_long_as_the_dispatchers_tracked_link(text: str, key_id: str) -> None:
    public = "https://t.herald.example.com"
    expires = datetime.now(UTC) + timedelta(days=90)
    dispatcher = TrackingLinks(LinkSigner({key_id: b"secret"}), public, lambda: expires)
    sent = dispatcher.rewrite_text("d-0123456789abcdef01234567", text)
    projected = TrackedLinks(public, key_id).as_sent(text)
    assert len(projected) == len(sent)
    assert sms_segments(projected) == sms_segments(sent)
