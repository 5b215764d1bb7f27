import asyncio

import pytest

from herald.runtime.keyed import each_by_key


async def test_items_of_different_keys_overlap_and_one_keys_items_keep_their_order() -> None:
    both_started = asyncio.Event()
    started: list[str] = []
    done: list[str] = []

    async def handle(item: tuple[str, int]) -> None:
        started.append(f"{item[0]}{item[1]}")
        if {"a1", "b1"} <= set(started):
            both_started.set()
        await both_started.wait()  # only returns if a1 and b1 ran at the same time
        done.append(f"{item[0]}{item[1]}")

    items = [("a", 1), ("b", 1), ("a", 2)]
    await asyncio.wait_for(each_by_key(items, lambda i: i[0], handle, limit=2), 10)
    assert done.index("a1") < done.index("a2")
    assert sorted(done) == ["a1", "a2", "b1"]


async def test_a_failure_is_raised_after_every_other_item_is_handled() -> None:
    handled: list[int] = []

    async def handle(item: int) -> None:
        if item == 1:
            raise ValueError("boom")
        await asyncio.sleep(0)
        handled.append(item)

    with pytest.raises(ValueError, match="boom"):
        await each_by_key([1, 2, 3], lambda i: i, handle, limit=3)
    assert sorted(handled) == [2, 3]


async def test_no_more_keys_than_the_limit_run_at_once() -> None:
    running, most = 0, 0

    async def handle(item: int) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0)
        running -= 1

    await each_by_key(range(10), lambda i: i, handle, limit=3)
    assert most == 3
