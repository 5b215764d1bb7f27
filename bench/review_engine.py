"""Benchmark of review's compliance engine with a 10000-term dictionary.

Prints JSON lines: the whole engine (every rule), its term matching alone (folding for
evasions included), and the bare pyahocorasick automaton on the same texts, both as
most people would use it (str keys) and over UTF-8 bytes as the engine does, with
each run's time relative to the faster bare automaton.

    uv run --frozen python bench/review_engine.py [--requests 2000] [--terms 10000]
"""

import argparse
import json
import random
import time
from collections.abc import Callable

import ahocorasick  # type: ignore[import-not-found]

from herald.contracts import PushRequest
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Severity, pieces
from herald.review.engine.terms import TermEntry, TermMatcher


def as_bytes(text: str) -> str:
    return text.encode().decode("latin-1")
from herald.review.policy import Policy

CATEGORIES = ("pornography", "gambling", "violence", "fraud", "drugs", "illegal_trade", "custom")
SENTENCES = (
    "会员专享 5 折起，点击查看详情。",
    "冬季特卖今晚开始，全场满 300 减 50，限时三天。",
    "您的订单已发货，预计明天送达，请保持电话畅通。",
    "Winter sale starts tonight: up to 50% off for members.",
    "系统将于今晚 22:00 至 23:00 升级维护，期间部分功能暂停使用。",
    "Your parcel is on its way and should arrive tomorrow.",
)


def make_terms(count: int, rng: random.Random) -> list[str]:
    terms: set[str] = set()
    while len(terms) < count:
        if rng.random() < 0.7:
            terms.add("".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(rng.randint(2, 4))))
        else:
            letters = "abcdefghijklmnopqrstuvwxyz"
            terms.add(" ".join("".join(rng.choices(letters, k=rng.randint(4, 8))) for _ in "ab"))
    return sorted(terms)


def make_requests(count: int, terms: list[str], rng: random.Random) -> list[PushRequest]:
    requests = []
    for i in range(count):
        body = " ".join(rng.choice(SENTENCES) for _ in range(rng.randint(4, 20)))
        if i % 10 == 0:  # one request in ten carries a listed term
            body += " " + rng.choice(terms)
        requests.append(
            PushRequest.model_validate(
                {
                    "request_id": f"bench-{i}",
                    "tenant": "acme",
                    "requester": {"department": "marketing", "user": "li.wei"},
                    "goal": "bench",
                    "category": "notification",
                    "channels": ["app_push"],
                    "content": {"title": rng.choice(SENTENCES)[:40], "body": body[:4000],
                                "url": "https://shop.example.com/winter"},
                    "audience": {"all": True},
                }
            )
        )  # fmt: skip
    return requests


def timed(fn: Callable[[], object], rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--terms", type=int, default=10_000)
    args = parser.parse_args()
    rng = random.Random(20261127)
    terms = make_terms(args.terms, rng)
    entries = [
        TermEntry(t, CATEGORIES[i % len(CATEGORIES)], Severity.BLOCK) for i, t in enumerate(terms)
    ]
    start = time.perf_counter()
    matcher = TermMatcher(entries)
    build_s = time.perf_counter() - start
    engine = Engine(Policy(), lambda: matcher)
    requests = make_requests(args.requests, terms, rng)
    texts = [p.text for r in requests for p in pieces(r)]
    mb = sum(len(t.encode()) for t in texts) / 1e6

    bare, bare_utf8 = ahocorasick.Automaton(), ahocorasick.Automaton()
    for t in terms:
        bare.add_word(t, t)
        bare_utf8.add_word(as_bytes(t), t)
    bare.make_automaton()
    bare_utf8.make_automaton()

    runs = {
        "engine_all_rules": lambda: [engine.evaluate(r) for r in requests],
        "engine_terms_only": lambda: [matcher.find(t) for t in texts],
        "bare_pyahocorasick_str": lambda: [list(bare.iter(t)) for t in texts],
        "bare_pyahocorasick_utf8": lambda: [list(bare_utf8.iter(as_bytes(t))) for t in texts],
    }
    seconds = {name: timed(fn) for name, fn in runs.items()}
    fastest = min(seconds["bare_pyahocorasick_str"], seconds["bare_pyahocorasick_utf8"])
    base = {"terms": len(terms), "requests": len(requests), "text_mb": round(mb, 3)}
    print(json.dumps(base | {"what": "dictionary_build", "seconds": round(build_s, 4)}))
    for name, s in seconds.items():
        line = base | {"what": name, "seconds": round(s, 4),
                       "requests_per_s": round(len(requests) / s, 1), "mb_per_s": round(mb / s, 2),
                       "x_bare": round(s / fastest, 1)}  # fmt: skip
        print(json.dumps(line))


if __name__ == "__main__":
    main()
