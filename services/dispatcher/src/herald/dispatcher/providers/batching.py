"""Grouping a batch for a vendor's bulk call, and running the calls.

A bulk call carries one shared payload to many recipients (Tencent: one template with
the same values; vivo: one saved message) or many payloads at once (OPPO, Alibaba). The
helpers here cut a batch into such calls: equal keys together, at most `size` per call,
and never one recipient twice in a call (a vendor answers per number or per token, so a
repeat could not be told apart). Messages a provider cannot send at all are answered
before grouping, so every call has only sendable members.
"""

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from herald.dispatcher.providers.base import Attempt, Message
from herald.dispatcher.providers.push import merge, tokens


@dataclass
class _Chunk:
    members: list[int] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)


def chunks(
    indexes: Iterable[int],
    key: Callable[[int], Hashable],
    size: int,
    distinct: Callable[[int], str],
) -> list[list[int]]:
    """`indexes` grouped by `key`, at most `size` per group, no `distinct` value twice."""
    open_by_key: dict[Hashable, list[_Chunk]] = {}
    made: list[_Chunk] = []
    for i in indexes:
        lanes, mark = open_by_key.setdefault(key(i), []), distinct(i)
        chunk = next((c for c in lanes if len(c.members) < size and mark not in c.seen), None)
        if chunk is None:
            chunk = _Chunk()
            lanes.append(chunk)
            made.append(chunk)
        chunk.members.append(i)
        chunk.seen.add(mark)
    return [c.members for c in made]


async def run(
    calls: Sequence[tuple[list[int], Awaitable[list[Attempt]]]],
    total: int,
    done: dict[int, Attempt],
) -> list[Attempt]:
    """Await every call (each answers its members in order) and put all answers in place:
    `done` holds the messages answered before any call."""
    answers = await asyncio.gather(*(call for _, call in calls))
    for (members, _), got in zip(calls, answers, strict=True):
        done.update(zip(members, got, strict=True))
    return [done[i] for i in range(total)]


def token_items(messages: Sequence[Message], platforms: frozenset[str]) -> list[tuple[int, str]]:
    """(message index, token) for every token of every message, in order."""
    return [(i, t) for i, m in enumerate(messages) for t in tokens(m, platforms)]


def by_message(
    name: str, count: int, items: Sequence[tuple[int, str]], answers: Sequence[Attempt]
) -> list[Attempt]:
    """Each message's answer merged from its tokens' answers (none: no token)."""
    per: list[list[Attempt]] = [[] for _ in range(count)]
    for (i, _token), attempt in zip(items, answers, strict=True):
        per[i].append(attempt)
    return [merge(name, got, len(got)) for got in per]


def digest_ref(prefix: str, delivery_ids: Sequence[str]) -> str:
    """A stable reference for a bulk call (a retried call keeps it)."""
    digest = hashlib.blake2b("\n".join(delivery_ids).encode(), digest_size=15).hexdigest()
    return f"{prefix}{digest}"


def entries(data: Any, key: str) -> dict[str, dict[str, Any]]:
    """A bulk answer's list of per-recipient entries, by one of their fields."""
    found = data if isinstance(data, list) else []
    return {str(d.get(key)): d for d in found if isinstance(d, dict)}
