"""`heraldctl templates`: a template is created from a file, published, approved by
review, listed, and a request naming it (values only) is submitted and accepted."""

import json
from pathlib import Path

import pytest

from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e

TEXTS = {
    "default": {"title": "Parcel {{ values.parcel }}", "body": "It leaves today."},
    "locales": {"zh": {"title": "包裹 {{ values.parcel }}", "body": "今天发出。"}},
}


async def test_a_template_is_created_published_and_used_from_the_terminal(
    ctl: Ctl, tmp_path: Path, uid: str
) -> None:
    name = f"parcel-{uid}"
    texts = tmp_path / "texts.json"
    texts.write_text(json.dumps(TEXTS), encoding="utf-8")
    made = await ctl("templates", "create", name, str(texts), "--channel", "webhook", "--json")
    assert made.code == 0, made.err
    assert (made.json()["version"], made.json()["state"]) == (1, "draft")
    assert (await ctl("templates", "publish", name, "1")).code == 0

    async def approved() -> bool:
        shown = await ctl("templates", "show", name, "--version", "1", "--json")
        return bool(shown.json()["state"] == "approved")

    await eventually(approved, timeout=60, what="review's approval")
    listed = await ctl("templates", "list")
    assert name in listed.out
    request = push_request(f"tpl-{uid}", uid)
    del request["content"]
    request["template"] = {"name": name, "locale": "zh-CN", "values": {"parcel": "P-9"}}
    path = tmp_path / "request.json"
    path.write_text(json.dumps(request), encoding="utf-8")
    sent = await ctl("submit", str(path), "--json")
    assert sent.code == 0, sent.out + sent.err
    assert "accepted" in sent.out
