"""Does a change to review's engine keep its findings? Every finding, field by field.

Runs the engine with the shipped dictionaries over every labelled text of this folder,
each sent several ways (a plain push; SMS marketing with a link; an email whose HTML
variant carries the text; notification with a repost marker and personal data; SMS and
WeChat marketing without signature, some in markup), over the speed bench's generated
requests (a 10,000-term dictionary) and over seeded random texts of mixed scripts, emoji,
full-width forms and characters that fold to several, and
writes one line per request: its id and its findings. `--save` keeps them; `--check`
compares with what was saved and names every request whose findings differ.

    uv run --frozen python bench/review_eval/same_findings.py --save /tmp/before.jsonl
    (change the engine)
    uv run --frozen python bench/review_eval/same_findings.py --check /tmp/before.jsonl
"""

import argparse
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import astuple
from pathlib import Path

from score import load

from herald.contracts import PushRequest
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Severity
from herald.review.engine.terms import TermEntry, TermMatcher
from herald.review.policy import Policy

_SHAPES = ("plain", "sms_link", "email_html", "repost_personal", "sms_social")
_ODD = "㎏™①ＡＢＣ０１２аеорсху𝐀𝐁😀🎰💊 \u200b\u3000。．｡@:/<>&#"


def _request(i: int, text: str, shape: str, category: str) -> PushRequest:
    content: dict[str, object] = {"title": "通知", "body": text}
    channels = ["app_push"]
    if shape == "sms_link":
        category, channels = "marketing", ["sms"]
        content |= {"body": f"【Acme】{text} 回T退订", "url": "http://127.1/x?u=https://a.example"}
    elif shape == "email_html":
        channels = ["email"]
        handler = " onclick='x()'" if i % 3 == 0 else ""
        html = f"<p{handler}>{text}</p><a href='https://bit.ly/x'>go</a><img alt='{text[:20]}'>"
        content["variants"] = {"email": {"subject": text[:30], "html": html}}
    elif shape == "repost_personal":
        category = "notification"
        content["body"] = f"转载：{text} 联系 13812345678 或 li.wei@example.com"
    elif shape == "sms_social":
        category, channels = "marketing", ["sms", "social"]
        content |= {"title": text[:60], "body": text if i % 2 else f"<b>{text}</b>"}
    return PushRequest.model_validate(
        {
            "request_id": f"same-{i}",
            "tenant": "acme",
            "requester": {"department": "marketing", "user": "li.wei"},
            "goal": "same findings",
            "category": category,
            "channels": channels,
            "content": content,
            "audience": {"all": True},
        }
    )


def _random_texts(count: int, rng: random.Random) -> Iterator[str]:
    alphabet = [chr(c) for c in range(0x4E00, 0x4E00 + 400)] + list(_ODD) + list("abcxyz19 ")
    for _ in range(count):
        yield "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))


def requests() -> Iterator[tuple[str, PushRequest]]:
    i = 0
    for n, sample in enumerate(load("all")):
        for shape in _SHAPES:
            i += 1
            yield f"eval-{n}-{shape}", _request(i, sample.text, shape, sample.category)
    for n, text in enumerate(_random_texts(600, random.Random(15))):
        for shape in _SHAPES:
            i += 1
            yield f"random-{n}-{shape}", _request(i, text, shape, "marketing")


def _line(key: str, engine: Engine, request: PushRequest) -> str:
    found = [[str(v) for v in astuple(f)] for f in engine.evaluate(request)]
    return json.dumps({"request": key, "findings": found}, ensure_ascii=False)


def lines() -> Iterator[str]:
    policy = Policy()
    engine = Engine(policy, Dictionaries(policy, None).matcher)
    for key, request in requests():
        yield _line(key, engine, request)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from review_engine import CATEGORIES, make_requests, make_terms

    rng = random.Random(20261127)
    terms = make_terms(10_000, rng)
    entries = [
        TermEntry(t, CATEGORIES[n % len(CATEGORIES)], Severity.BLOCK) for n, t in enumerate(terms)
    ]
    matcher = TermMatcher(entries)
    bench_engine = Engine(policy, lambda: matcher)
    for request in make_requests(2000, terms, rng):
        yield _line(request.request_id, bench_engine, request)


def main() -> None:
    parser = argparse.ArgumentParser()
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--save", type=Path)
    mode.add_argument("--check", type=Path)
    args = parser.parse_args()
    now = list(lines())
    if args.save:
        args.save.write_text("\n".join(now) + "\n", encoding="utf-8")
        print(f"{len(now)} requests saved", file=sys.stderr)
        return
    before = args.check.read_text(encoding="utf-8").splitlines()
    differ = [b for b, a in zip(before, now, strict=False) if a != b]
    for line in differ[:20]:
        print("differs:", line[:300], file=sys.stderr)
    flagged = sum('"findings": []' not in line for line in now)
    print(f"{len(now)} requests ({flagged} with findings), {len(differ)} differ", file=sys.stderr)
    sys.exit(1 if differ or len(before) != len(now) else 0)


if __name__ == "__main__":
    main()
