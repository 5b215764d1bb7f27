"""What FCM and APNs share: pick the recipient's tokens, fit the payload, merge answers."""

import asyncio
import json
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from herald.dispatcher.providers.base import Attempt, Blame, Message, Result

PUSH_LIMIT_BYTES = 4096
"""Both FCM and APNs refuse a notification payload above 4 KB."""


def tokens(message: Message, platforms: frozenset[str]) -> list[str]:
    return [t.token for t in message.contacts.push_tokens if t.platform.lower() in platforms]


def size(payload: dict[str, Any]) -> int:
    return len(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode())


def fit(
    build: Callable[[str], dict[str, Any]], body: str, limit: int = PUSH_LIMIT_BYTES
) -> dict[str, Any] | None:
    """The payload with the body shortened (with an ellipsis) until it fits, or None."""
    payload = build(body)
    if size(payload) <= limit:
        return payload
    over = size(payload) - limit
    cut = body
    while cut:
        cut = cut[: max(0, len(cut) - max(over // 3, 1))]
        payload = build(cut + "…")
        over = size(payload) - limit
        if over <= 0:
            return payload
    return None


async def each_token(
    name: str, found: Sequence[str], one: Callable[[str], Awaitable[Attempt]]
) -> Attempt:
    """Send to every token on its own; sent if any took it, dead tokens reported either way."""
    return await in_groups(name, found, 1, lambda group: one(group[0]))


async def in_groups(
    name: str,
    found: Sequence[str],
    size: int,
    call: Callable[[list[str]], Awaitable[Attempt]],
) -> Attempt:
    """Send to the tokens `size` at a time (a vendor's token list); merged as each_token."""
    if not found:
        return Attempt(Result.PERMANENT, name, "no push token for this provider", blame=Blame.SEND)
    groups = [list(found[i : i + size]) for i in range(0, len(found), size)]
    return merge(name, await asyncio.gather(*(call(g) for g in groups)), len(found))


def merge(name: str, answers: Sequence[Attempt], count: int) -> Attempt:
    """One message's answer from its tokens' answers: sent if any took it, dead ones kept."""
    if not answers:
        return Attempt(Result.PERMANENT, name, "no push token for this provider", blame=Blame.SEND)
    dead = tuple(d for a in answers for d in a.dead_contacts)
    best = next((a for a in answers if a.ok), None)
    if best is None:
        best = next((a for a in answers if a.result is Result.RETRYABLE), answers[0])
    detail = best.detail if count == 1 else f"{best.detail} ({count} tokens, {len(dead)} dead)"
    return Attempt(best.result, name, detail, best.retry_after, dead, best.blame)
