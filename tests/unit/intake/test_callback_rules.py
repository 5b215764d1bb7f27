"""Status callbacks without a broker or Postgres: signatures (the documented recipe),
backoff and giving up, who gets which event, who manages which subscription, URLs, and
the sender's round on fakes."""

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from tests.unit.intake.fakes import FakeOutbox, FakePoster

from herald.contracts import Status, StatusKind
from herald.contracts.internal import Standing, StandingChanged
from herald.intake.callbacks import signing
from herald.intake.callbacks.domain import (
    EventType,
    Scope,
    Subscription,
    fan_out,
    may_manage,
    standing_event,
    status_event,
    url_problem,
)
from herald.intake.callbacks.metrics import CallbackMetrics
from herald.intake.callbacks.ports import Claimed
from herald.intake.callbacks.retrying import Backoff, next_try
from herald.intake.callbacks.sender import Sender, SendPolicy
from herald.runtime.auth import Principal, Role

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def sub(**over: object) -> Subscription:
    fields: dict[str, object] = {
        "id": "cb_1",
        "tenant": "acme",
        "scope": Scope.DEPARTMENT,
        "department": "marketing",
        "url": "https://hooks.example.com/h",
        "events": (EventType.STATUS, EventType.STANDING),
        "secret": "whsec_new",
        "created_by": "li.wei",
        "created_at": NOW,
    }
    return Subscription(**(fields | over))  # type: ignore[arg-type]


def status(rid: str = "r-1", kind: StatusKind = StatusKind.ACCEPTED) -> Status:
    return Status(request_id=rid, tenant="acme", status=kind, at=NOW)


# --- signing ---------------------------------------------------------------------------


def test_a_signature_verifies_with_its_secret_only_and_only_while_fresh() -> None:
    body = b'{"type":"status"}'
    header = signing.signature(["whsec_a"], 1_800_000_000, body)
    assert signing.verify("whsec_a", header, body, 1_800_000_100)
    assert not signing.verify("whsec_b", header, body, 1_800_000_100)
    assert not signing.verify("whsec_a", header, body + b" ", 1_800_000_100)
    assert not signing.verify("whsec_a", header, body, 1_800_000_000 + 301)  # replayed later
    assert not signing.verify("whsec_a", "v1=abc", body, 1_800_000_000)


def test_while_a_rotated_secret_lasts_both_sign_then_only_the_new_one() -> None:
    s = sub(previous_secret="whsec_old", previous_until=NOW + timedelta(hours=1))
    assert s.secrets(NOW) == ["whsec_new", "whsec_old"]
    assert s.secrets(NOW + timedelta(hours=2)) == ["whsec_new"]
    header = signing.signature(s.secrets(NOW), 1, b"x")
    assert signing.verify("whsec_old", header, b"x", 1)
    assert signing.verify("whsec_new", header, b"x", 1)


# --- retrying --------------------------------------------------------------------------


def test_backoff_doubles_with_jitter_up_to_its_cap() -> None:
    low, high = Backoff(10, 3600, lambda: 0.0), Backoff(10, 3600, lambda: 1.0)
    assert [low.delay(n).total_seconds() for n in (1, 2, 3)] == [5, 10, 20]
    assert [high.delay(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
    assert high.delay(30).total_seconds() == 3600


def test_a_retry_that_would_fall_after_the_deadline_gives_up() -> None:
    b = Backoff(10, 3600, lambda: 1.0)
    assert next_try(b, 1, NOW, NOW + timedelta(seconds=60)) == NOW + timedelta(seconds=10)
    assert next_try(b, 4, NOW, NOW + timedelta(seconds=60)) is None


# --- who gets what ---------------------------------------------------------------------


def test_a_departments_subscription_gets_only_its_departments_events_folded() -> None:
    marketing, tenant_wide = sub(), sub(id="cb_2", scope=Scope.TENANT, department=None)
    other, statuses_only = sub(id="cb_3", department="ops"), sub(id="cb_4", events=("status",))
    elsewhere = sub(id="cb_5", tenant="globex")
    subs = [marketing, tenant_wide, other, statuses_only, elsewhere]
    ours = status_event(status(), " Marketing")
    unknown = status_event(status("r-2"), None)  # refused before intake kept it
    change = StandingChanged(
        tenant="acme", subject_kind="requester", subject="li.wei", standing=Standing.BANNED, at=NOW
    )
    standing = standing_event(change, "marketing")
    got = [(q.subscription_id, q.event.type) for q in fan_out([ours, unknown, standing], subs)]
    assert got == [
        ("cb_1", "status"), ("cb_2", "status"), ("cb_4", "status"),
        ("cb_2", "status"),
        ("cb_1", "standing"), ("cb_2", "standing"),
    ]  # fmt: skip


def test_an_event_has_one_id_and_its_body_wraps_the_contracts_status() -> None:
    first, again = status_event(status(), "marketing"), status_event(status(), "ops")
    assert first.id == again.id and first.id.startswith("evt_")
    assert first.id != status_event(status(kind=StatusKind.APPROVED), "marketing").id
    body = json.loads(first.body)
    assert body == {"type": "status", "id": first.id, "data": status().model_dump(mode="json")}
    assert first.subject == "request:r-1"


@pytest.mark.parametrize(
    ("who", "manages"),
    [
        (Principal("k", "acme", Role.ADMIN, "boss", "operations"), True),
        (Principal("k", "acme", Role.SUBMITTER, "li.wei", "MARKETING"), True),
        (Principal("k", "acme", Role.SUBMITTER, "zhao.liu", "ops"), False),
        (Principal("k", "acme", Role.VIEWER, "wang.wu", "marketing"), False),
        (Principal("k", "globex", Role.ADMIN, "boss", "marketing"), False),
    ],
)
def test_who_manages_a_departments_subscription(who: Principal, manages: bool) -> None:
    assert may_manage(who, sub()) is manages


def test_only_admins_manage_a_tenant_wide_subscription() -> None:
    tenant_wide = sub(scope=Scope.TENANT, department=None)
    assert not may_manage(
        Principal("k", "acme", Role.SUBMITTER, "li.wei", "marketing"), tenant_wide
    )
    assert may_manage(Principal("k", "acme", Role.ADMIN, "boss"), tenant_wide)


@pytest.mark.parametrize(
    ("url", "allow_http", "problem"),
    [
        ("https://hooks.example.com/h?t=1", False, None),
        ("http://hooks.example.com/h", False, "must be https"),
        ("http://hooks.example.com/h", True, None),
        ("ftp://hooks.example.com/h", True, "must be http(s)"),
        ("https://user:pw@hooks.example.com/h", False, "must not carry a user name"),
        ("https:///h", False, "has no host"),
        ("https://" + "a" * 2050 + ".com/", False, "longer than 2048"),
    ],
)
def test_a_callback_url_must_be_https_with_a_host_and_no_credentials(
    url: str, allow_http: bool, problem: str | None
) -> None:
    found = url_problem(url, allow_http)
    assert (found is None) if problem is None else (problem in (found or ""))


# --- the sender ------------------------------------------------------------------------


def claimed(failures: int = 0, expires_in: float = 3600) -> Claimed:
    return Claimed(
        "dlv_1", "evt_1", sub(), b'{"type":"status"}', failures,
        NOW + timedelta(seconds=expires_in), NOW + timedelta(seconds=25),
    )  # fmt: skip


def sender(outbox: FakeOutbox, poster: FakePoster) -> Sender:
    policy = SendPolicy(Backoff(10, 3600, lambda: 1.0), timedelta(seconds=25), 4, 100, 5)
    return Sender(outbox, poster, policy, lambda: NOW, CallbackMetrics(CollectorRegistry()))  # type: ignore[arg-type]


async def test_the_sender_posts_signed_and_a_2xx_is_delivered() -> None:
    outbox, poster = FakeOutbox([claimed()]), FakePoster(200)
    assert await sender(outbox, poster).round() == 1
    [(url, body, headers)] = poster.posted
    assert url == "https://hooks.example.com/h"
    assert headers["herald-event-id"] == "evt_1"
    assert headers["user-agent"] == "Herald-Callbacks/1"
    assert signing.verify("whsec_new", headers["herald-signature"], body, int(NOW.timestamp()))
    [tried] = outbox.recorded
    assert tried.answer.ok and tried.next_at is None


async def test_a_failure_is_retried_after_a_backoff_until_the_deadline() -> None:
    outbox, poster = FakeOutbox([claimed(failures=2), claimed(expires_in=5)]), FakePoster(503)
    await sender(outbox, poster).round()
    later, given_up = outbox.recorded
    assert later.next_at == NOW + timedelta(seconds=40)  # the third failure
    assert given_up.next_at is None  # 10 s from now is past its deadline (5 s)


def documented_verify() -> Callable[..., bool]:
    """The receivers' recipe from docs/callbacks.md, run as written."""
    doc = (Path(__file__).parents[3] / "docs" / "callbacks.md").read_text(encoding="utf-8")
    section = doc.split("## Verifying a callback", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict[str, Any] = {}
    exec(code, scope)
    return scope["verify"]  # type: ignore[no-any-return]


def test_the_documented_recipe_verifies_what_herald_signs() -> None:
    verify = documented_verify()
    body, now = b'{"type":"status","id":"evt_1"}', int(time.time())
    header = signing.signature(["whsec_new", "whsec_old"], now, body)
    assert verify("whsec_new", header, body) and verify("whsec_old", header, body)
    assert not verify("whsec_other", header, body)
    assert not verify("whsec_new", header, body + b"\n")
    stale = signing.signature(["whsec_new"], now - 600, body)
    assert not verify("whsec_new", stale, body)
