"""The end of `make test`: every check skipped for a missing tool, and the command enabling it."""

from dataclasses import dataclass

from tests.support.skips import skipped_checks, summary_lines

PROMTOOL = "promtool is not installed (Debian: apt-get install prometheus)"
CHROMIUM = "Debian's chromium is not installed (apt-get install chromium chromium-driver)"


@dataclass
class Report:
    nodeid: str
    longrepr: tuple[str, int, str]


def skip(nodeid: str, reason: str) -> Report:
    return Report(nodeid, (nodeid.split("::", maxsplit=1)[0], 1, f"Skipped: {reason}"))


def test_each_skipped_check_is_listed_once_with_its_files_and_the_command_enabling_it() -> None:
    reports = [
        skip("tests/deploy/test_observability.py::test_rules", PROMTOOL),
        skip("tests/deploy/test_observability.py::test_alerts", PROMTOOL),
        skip("tests/integration/tracker/test_service.py::test_metrics", PROMTOOL),
        skip("tests/browser/test_review_console.py::test_queue", CHROMIUM),
    ]
    lines = summary_lines(skipped_checks(reports))
    assert lines == [
        f"{CHROMIUM}: 1 test skipped",
        "    in tests/browser/test_review_console.py",
        "    enable: apt-get install -y chromium chromium-driver fonts-wqy-microhei",
        f"{PROMTOOL}: 3 tests skipped",
        "    in tests/deploy/test_observability.py, tests/integration/tracker/test_service.py",
        "    enable: apt-get install -y prometheus",
        "(`make test` runs the apt-get installs itself when run as root)",
    ]


def test_a_skip_nobody_mapped_still_shows_with_its_reason() -> None:
    lines = summary_lines(skipped_checks([skip("tests/x.py::t", "needs a GPU")]))
    assert lines == [
        "needs a GPU: 1 test skipped",
        "    in tests/x.py",
        "    enable: see the reason above",
    ]
