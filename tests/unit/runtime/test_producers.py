"""The producers file and the record keys: what an operator writes, checked entry by entry;
a bad change keeps the last good set; the CLI issues a credential that verifies."""

import io
import json
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import structlog

from herald.runtime import producers
from herald.runtime.producers import ProducersFile, ProducersFileError, parse_producers
from herald.runtime.producers.__main__ import main
from herald.runtime.provenance import ProducerDirectory, RecordSigner, RecordVerifier
from herald.runtime.record_keys import parse_record_keys
from herald.runtime.settings import ServiceSettings
from tests.support.signing import KEYS, PRODUCERS, RECORD_KEYS, producer_entries

CRM = {
    "id": "crm",
    "tenant": "acme",
    "user": "crm-bot",
    "department": "marketing",
    "topics": ["push.requests.v1", "push.recipients.v1"],
}


def file_of(*entries: dict[str, object]) -> bytes:
    return json.dumps({"producers": list(entries)}).encode()


@pytest.mark.parametrize(
    ("entry", "why"),
    [
        ({**CRM, "topics": ["push.approved.v1"]}, "'push.approved.v1' is not a topic producers"),
        ({**CRM, "id": "herald"}, "'herald' is the id of Herald's own services"),
        ({**CRM, "tenant": "acme corp"}, "tenant"),
        ({**CRM, "user": None}, "needs a user and a department"),
        ({**CRM, "topics": []}, "topics"),
        ({**CRM, "secret": "x"}, "secret"),
    ],
)
def test_a_bad_entry_is_named_with_what_is_wrong(entry: dict[str, object], why: str) -> None:
    with pytest.raises(ProducersFileError, match="entry 2") as caught:
        parse_producers(file_of({**CRM, "id": "ok"}, entry))
    assert why in str(caught.value)


def test_an_id_twice_and_a_file_that_is_not_a_producers_file_are_refused() -> None:
    with pytest.raises(ProducersFileError, match="listed twice"):
        parse_producers(file_of(CRM, CRM))
    with pytest.raises(ProducersFileError, match="not valid JSON"):
        parse_producers(b"{")
    with pytest.raises(ProducersFileError, match=r'expected \{"producers"'):
        parse_producers(b"[]")


def test_a_recipients_only_producer_needs_no_user() -> None:
    entry = {"id": "dir", "tenant": "acme", "topics": ["push.recipients.v1"]}
    [parsed] = parse_producers(file_of(entry))
    assert parsed.producer().topics == frozenset({"push.recipients.v1"})


async def test_a_revocation_takes_effect_and_a_bad_change_keeps_the_last_good_set(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "producers.json"
    path.write_text(producer_entries(*PRODUCERS.values()))
    file = ProducersFile(str(path), ProducerDirectory())
    file.load()
    assert file.directory.get("test-acme") is not None

    path.write_text(producer_entries(*PRODUCERS.values(), revoked=frozenset({"test-acme"})))
    assert await file.refresh()
    assert file.directory.get("test-acme") is None
    assert file.directory.get("test-globex") is not None

    path.write_text('{"producers": [{"id": "typo"}]}')
    with structlog.testing.capture_logs() as logs:
        # the module's logger may already be cached with the configuration of an earlier test
        monkeypatch.setattr(producers, "log", structlog.get_logger(producers.__name__))
        assert not await file.refresh()
        assert not await file.refresh()  # reported once
    assert file.directory.get("test-globex") is not None
    [error] = [e for e in logs if e["event"] == "producers_file_invalid"]
    assert "entry 1 (id 'typo')" in error["error"]


def test_a_missing_or_bad_file_stops_the_start(tmp_path: Path) -> None:
    with pytest.raises(ProducersFileError, match="No such file"):
        ProducersFile(str(tmp_path / "absent.json"), ProducerDirectory()).load()
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(ProducersFileError):
        ProducersFile(str(bad), ProducerDirectory()).load()


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("", "not kid:secret"),
        ("k1:short", "'k1' is 5 characters; at least 32"),
        ("k1:" + "a" * 32 + ",k1:" + "b" * 32, "names key 'k1' twice"),
    ],
)
def test_record_keys_are_checked(spec: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_record_keys(spec)


def test_record_keys_are_required_with_no_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECORD_KEYS")
    with pytest.raises(ValueError, match="record_keys"):
        ServiceSettings(database_url="postgresql://x", tenants="acme")  # type: ignore[call-arg]


def test_the_cli_issues_a_credential_that_verifies_and_revokes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RECORD_KEYS", RECORD_KEYS)
    path = tmp_path / "producers.json"
    args = ["issue", "--id", "crm", "--tenant", "acme", "--user", "crm-bot"]
    args += ["--department", "marketing", "--topic", "push.requests.v1", "--file", str(path)]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(args) == 0
    given = dict(line.split("=", 1) for line in out.getvalue().splitlines())
    assert given["HERALD_PRODUCER_ID"] == "crm"
    assert given["HERALD_PRODUCER_SECRET"] not in path.read_text()

    directory = ProducerDirectory()
    ProducersFile(str(path), directory).load()
    signer = RecordSigner.from_text("crm", given["HERALD_PRODUCER_SECRET"])
    headers = signer.headers("push.requests.v1", b"r-1", b"{}")
    verifier = RecordVerifier(KEYS, directory)
    producer = verifier.verify("push.requests.v1", b"r-1", b"{}", headers, producers_allowed=True)
    assert (producer.tenant, producer.user) == ("acme", "crm-bot")

    with redirect_stdout(io.StringIO()), redirect_stderr(err):
        again = ["issue", "--id", "crm", "--tenant", "acme", "--topic", "push.recipients.v1"]
        assert main([*again, "--file", str(path)]) == 2
        assert main(["revoke", "--id", "crm", "--file", str(path)]) == 0
    assert "exists" in err.getvalue()
    ProducersFile(str(path), directory).load()
    assert directory.get("crm") is None
