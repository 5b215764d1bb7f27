"""Access-token caching for the vendors: refreshed a margin before expiry, one fetch at a
time, and a refused token dropped only if it is still the cached one."""

import asyncio

from herald.dispatcher.providers.vendor import TokenCache, shorten
from herald.dispatcher.providers.vendor_push import shorten_units, units
from herald.dispatcher.providers.wechat import key_limit
from herald.dispatcher.providers.wechat_tokens import MemorySharedTokens


class Vendor:
    def __init__(self) -> None:
        self.calls = 0
        self.release = asyncio.Event()

    async def fetch(self) -> tuple[str, float]:
        self.calls += 1
        await self.release.wait()
        return f"tok-{self.calls}", 3600.0


async def test_token_is_reused_until_the_margin_before_expiry_then_refetched() -> None:
    now = [1000.0]
    vendor = Vendor()
    vendor.release.set()
    cache = TokenCache(vendor.fetch, margin_s=300, clock=lambda: now[0])
    assert await cache.get() == "tok-1"
    now[0] += 3299
    assert await cache.get() == "tok-1"
    now[0] += 2  # 3301 s after the fetch: within the 300 s margin of the 3600 s lifetime
    assert await cache.get() == "tok-2"


async def test_concurrent_gets_share_one_fetch() -> None:
    vendor = Vendor()
    cache = TokenCache(vendor.fetch)
    waiting = [asyncio.create_task(cache.get()) for _ in range(5)]
    await asyncio.sleep(0)
    vendor.release.set()
    assert set(await asyncio.gather(*waiting)) == {"tok-1"}
    assert vendor.calls == 1


async def test_forgetting_an_old_token_keeps_the_newer_one() -> None:
    vendor = Vendor()
    vendor.release.set()
    cache = TokenCache(vendor.fetch)
    assert await cache.get() == "tok-1"
    cache.forget("tok-0")
    assert await cache.get() == "tok-1"
    cache.forget("tok-1")
    assert await cache.get() == "tok-2"
    shared = MemorySharedTokens()
    assert await shared.get("k", vendor.fetch, 300) == "tok-3"
    await shared.forget("k", "other")
    assert await shared.get("k", vendor.fetch, 300) == "tok-3"


def test_texts_are_cut_to_vendor_limits() -> None:
    assert shorten("订单已发货", 20) == "订单已发货"
    assert shorten("一" * 25, 20) == "一" * 19 + "…"
    assert units("ab中") == 4
    cut = shorten_units("中" * 30, 40)
    assert cut.endswith("…")
    assert units(cut) <= 40
    assert (key_limit("thing12"), key_limit("character_string3"), key_limit("time4")) == (
        20,
        32,
        None,
    )
