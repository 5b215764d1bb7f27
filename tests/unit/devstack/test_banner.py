"""The banner `make run` prints: the five services, the console, the keys, one command."""

import re
import shlex
from pathlib import Path

from herald.devstack.banner import BannerFacts, render_banner, without_password
from herald.devstack.seed import DEMO_ROUTES
from herald.devstack.stack import SERVICE_PORTS

ROOT = Path(__file__).resolve().parents[3]


def facts(**over: object) -> BannerFacts:
    given: dict[str, object] = {
        "ports": dict(SERVICE_PORTS),
        "kafka": "127.0.0.1:9092",
        "database_url": "postgresql://herald:s3cret@db.local:5432/herald",
        "keys_file": ".herald/dev-keys.env",
        "tenant": "acme",
        "seconds": 12.4,
        "demo": dict(DEMO_ROUTES),
    }
    given.update(over)
    return BannerFacts(**given)  # type: ignore[arg-type]


def test_banner_lists_every_service_the_console_the_keys_and_the_demo_recipients() -> None:
    text = render_banner(facts(), colour=False)
    for name, port in SERVICE_PORTS.items():
        assert re.search(rf"{name}\s+http://localhost:{port}\s", text), name
    assert "http://localhost:8002/console/" in text
    assert ".herald/dev-keys.env" in text
    assert "u-1002 (in-app -> inbox)" in text
    assert "\x1b[" not in text


def test_the_one_command_to_try_submits_the_readme_example_that_exists() -> None:
    text = render_banner(facts(), colour=False)
    command = text.splitlines()[
        text.splitlines().index("try (then README.md, 'Your first push')") + 1
    ]
    words = shlex.split(command.replace("&&", " && "))
    assert words[:2] == ["source", ".herald/dev-keys.env"]
    assert "localhost:8001/v1/requests" in words
    assert (ROOT / words[words.index("-d") + 1].removeprefix("@")).is_file()


def test_a_portal_is_listed_when_there_is_one() -> None:
    assert "portal" not in render_banner(facts(), colour=False)
    shown = render_banner(facts(portal_url="http://localhost:8006/"), colour=False)
    assert re.search(r"portal\s+http://localhost:8006/", shown)


def test_no_demo_line_when_the_directory_was_not_seeded() -> None:
    assert "u-1001" not in render_banner(facts(demo={}), colour=False)


def test_a_database_password_is_never_printed() -> None:
    text = render_banner(facts(), colour=False)
    assert "s3cret" not in text
    assert "postgresql://herald:***@db.local:5432/herald" in text
    local = "postgresql://postgres:@/herald?host=/tmp/pg"
    assert without_password(local) == local
