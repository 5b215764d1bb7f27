"""A request whose first submission was stored but never passed on is finished by the
next copy, judged on the standing of whoever submitted it first."""

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry
from tests.support.fakes import FakeEventBus
from tests.unit.intake.fakes import FakeRequestRepository
from tests.unit.intake.test_kafka_path import request

from herald.contracts import PushRequest, Topic
from herald.contracts.internal import Standing, Submitter
from herald.intake.domain import RequestRecord, Verdict, body_hash
from herald.intake.metrics import IntakeMetrics
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def submitter(user: str) -> Submitter:
    return Submitter(user=user, department="marketing", credential=f"key-{user}", via="http")


async def test_an_unfinished_submission_is_judged_on_its_first_submitter_s_standing() -> None:
    repo, events = FakeRequestRepository(), FakeEventBus()
    settings = IntakeSettings(database_url="postgresql://unused", tenants="acme")
    metrics = IntakeMetrics(CollectorRegistry(), settings.tenant_set)
    intake = Intake(repo, events, lambda: NOW, metrics)  # type: ignore[arg-type]
    push = PushRequest.model_validate(request())
    first = submitter("ana")
    # ana's copy was stored, then its process died before passing it on
    await repo.claim(
        RequestRecord("acme", push.request_id, body_hash(push), first.department, first.user,
                      "t-1", "http", "http:first", credential=first.credential)
    )  # fmt: skip
    repo.standings[("acme", "requester", "ana")] = Standing.BANNED

    done = await intake.submit(push, submitter("li.wei"), "http:second", "t-2")

    assert done.verdict == Verdict.REJECTED
    assert not events.on(Topic.ACCEPTED)
