"""Background steps: queue gauges, dictionary reloads and expiry feed metrics and statuses."""

from pathlib import Path

from prometheus_client import CollectorRegistry
from tests.unit.review.builders import envelope, push
from tests.unit.review.harness import Harness

from herald.review.adapters.dictionaries import Dictionaries
from herald.review.policy import Policy
from herald.review.settings import ReviewSettings
from herald.review.upkeep import Step, steps


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def harness_steps(h: Harness, folder: Path, **settings: object) -> dict[str, Step]:
    config = ReviewSettings(database_url="postgresql://unused", tenants="acme,globex", **settings)  # type: ignore[arg-type]
    dictionaries = Dictionaries(Policy(), str(folder))
    found = steps(config, h.reviewer, h.violations, h.repo, dictionaries, h.metrics, h.clock)
    return {name: step for name, (_, step) in found.items()}


async def test_queue_depth_and_age_gauges_are_refreshed(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    h = Harness(registry=registry)
    await h.reviewer.review(envelope(push("q-1", content={"body": "https://bit.ly/x"})))
    h.clock.advance(minutes=10)
    await harness_steps(h, tmp_path)["review-queue-gauges"]()
    assert sample(registry, "herald_review_queue_depth", tenant="acme") == 1
    assert sample(registry, "herald_review_queue_depth", tenant="globex") == 0
    assert sample(registry, "herald_review_queue_oldest_age_seconds", tenant="acme") == 600


async def test_dictionary_step_reloads_changed_files(tmp_path: Path) -> None:
    registry = CollectorRegistry()
    h = Harness(registry=registry)
    reload = harness_steps(h, tmp_path)["review-dictionaries"]
    await reload()
    before = sample(registry, "herald_review_dictionary_terms")
    (tmp_path / "custom.txt").write_text("新词一\n新词二\n", encoding="utf-8")
    await reload()
    assert sample(registry, "herald_review_dictionary_terms") == (before or 0) + 2
    assert sample(registry, "herald_review_dictionary_reloads_total") == 1


async def test_expiry_step_expires_requests_that_waited_too_long(tmp_path: Path) -> None:
    h = Harness()
    await h.reviewer.review(envelope(push("x-1", content={"body": "https://bit.ly/x"})))
    expire = harness_steps(h, tmp_path, review_timeout_s=60)["review-expiry"]
    await expire()
    assert h.statuses("x-1") == ["pending_review"]
    h.clock.advance(seconds=61)
    await expire()
    assert h.statuses("x-1") == ["pending_review", "expired"]
