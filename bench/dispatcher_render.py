"""What the dispatcher spends on one send before any provider sees it: rendering (variants,
placeholders, tracked links, HTML) and the last check of the final message.

    uv run --frozen python bench/dispatcher_render.py [--sends N] [--rounds R]

Prints one JSON line per case: CPU microseconds per send (process time, best of `--rounds`:
the machine may be shared), for a plain text, a personalised text with a link, and a personalised
e-mail with an HTML part. No network, no broker: only the CPU work of one send.
"""

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.common import emit
from herald.contracts import Channel
from herald.contracts.internal import Send
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.rendering import render
from herald.runtime.links import LinkSigner

NOW = datetime.now(UTC)
LINKS = TrackingLinks(
    LinkSigner({"k1": b"bench"}), "https://t.example", lambda: NOW + timedelta(days=30)
)
CASES: dict[str, tuple[Channel, dict[str, Any]]] = {
    "plain_sms": (
        Channel.SMS,
        {"title": "冬季特卖今晚开始", "body": "会员专享 5 折起 https://shop.example.com/winter"},
    ),
    "personalised_sms": (
        Channel.SMS,
        {
            "title": "{{ recipient.id }}，冬季特卖今晚开始",
            "body": "{{ labels.campaign | upper }} 会员专享 5 折起 "
            "https://shop.example.com/winter?u={{ recipient.id }}",
        },
    ),
    "personalised_email": (
        Channel.EMAIL,
        {
            "title": "{{ recipient.id }}，冬季特卖",
            "body": "会员专享 5 折起 https://shop.example.com/winter",
            "variants": {
                "email": {
                    "subject": "{{ labels.campaign }}: 冬季特卖",
                    "html": "<h1>你好 {{ recipient.id }}</h1><p>会员专享 5 折起 "
                    '<a href="https://shop.example.com/winter?u={{ recipient.id }}">看看</a>'
                    "</p>",
                }
            },
        },
    ),
}


def sends(n: int, content: dict[str, Any], channel: Channel) -> list[Send]:
    return [
        Send.model_validate(
            {
                "delivery_id": f"d-{i}", "request_id": "r-1", "tenant": "acme",
                "department": "mkt", "recipient_id": f"u-{i}", "category": "notification",
                "priority": "normal", "channels": [channel],
                "contacts": {"phone": "+8613800000000", "email": "li@example.com"},
                "content": content, "labels": {"campaign": "winter"},
                "due_at": NOW.isoformat(),
            }
        )
        for i in range(n)
    ]  # fmt: skip


def one_send(channel: Channel) -> tuple[Callable[[Send], object], bool]:
    """Render one send and, where this commit has it, run the last check on it."""
    try:
        from herald.dispatcher.domain import final_check, rendering
    except ImportError:
        return (lambda s: render(s, channel, LINKS)), False
    check = final_check.FinalCheck(links=LINKS, clock=lambda: NOW)

    def both(s: Send) -> object:
        return check.problem(s, *rendering.render_tracked(s, channel, LINKS))

    return both, True


def per_send_us(batch: list[Send], one: Callable[[Send], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for s in batch:
            one(s)
        best = min(best, (time.process_time() - start) / len(batch))
    return best * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    for case, (channel, content) in CASES.items():
        batch = sends(args.sends, content, channel)
        one, checked = one_send(channel)
        us = per_send_us(batch, one, args.rounds)
        emit("dispatcher_render", case=case, us_per_send=round(us, 1), final_check=checked)


if __name__ == "__main__":
    main()
