"""The providers configuration: defaults, per-tenant overrides, secrets by reference."""

import json
from pathlib import Path

import pytest

from herald.contracts import Channel
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.config import load
from herald.dispatcher.routing.registry import Registry
from tests.unit.dispatcher.fakes import FakeInbox

CONFIG = {
    "providers": {
        "twilio": {
            "kind": "sms",
            "url": "https://api.twilio.com/x",
            "account": "AC1",
            "token": {"env": "TEST_TWILIO_TOKEN"},
            "rate_per_s": 10,
        },
    },
    "channels": {"sms": ["twilio", "log"], "webhook": ["webhook"]},
    "tenants": {
        "globex": {
            "providers": {
                "twilio": {
                    "kind": "sms",
                    "url": "https://gw.globex.example",
                    "shape": "custom",
                    "fields": {"to": "{phone}"},
                    "token": {"file": "SECRET_FILE"},
                }
            },
            "channels": {"email": ["log"]},
        }
    },
}


def parts() -> Parts:
    return Parts(None, b"s", str, FakeInbox())  # type: ignore[arg-type]


def test_tenants_get_the_default_channels_and_their_own_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TEST_TWILIO_TOKEN", "t0k3n")
    secret = tmp_path / "secret"
    secret.write_text("file-secret\n")
    raw = json.dumps(CONFIG).replace("SECRET_FILE", str(secret))
    registry = Registry(load(None, raw, ""), frozenset({"acme", "globex"}), parts())
    acme = registry.routes("acme", (Channel.SMS, Channel.EMAIL))
    assert [r.provider.name for r in acme] == ["twilio", "log"]
    globex = registry.routes("globex", (Channel.SMS, Channel.EMAIL))
    assert [r.provider.name for r in globex] == ["globex/twilio", "log", "log"]
    assert acme[0].gate is not globex[0].gate  # own breaker and rate limit


def test_secret_given_by_an_unset_env_var_fails_at_start_up() -> None:
    cfg = {
        "providers": {"p": {"kind": "sms", "url": "u", "token": {"env": "TEST_UNSET_VAR"}}},
        "channels": {"sms": ["p"]},
    }
    with pytest.raises(ValueError, match="TEST_UNSET_VAR"):
        Registry(load(None, json.dumps(cfg), ""), frozenset({"acme"}), parts())


def test_inline_secrets_are_rejected() -> None:
    with pytest.raises(ValueError, match="token"):
        load(
            None,
            json.dumps({"providers": {"p": {"kind": "sms", "url": "u", "token": "plain"}}}),
            "",
        )


def test_unknown_provider_name_is_reported() -> None:
    with pytest.raises(ValueError, match="no provider named 'nope'"):
        Registry(
            load(None, json.dumps({"channels": {"sms": ["nope"]}}), ""),
            frozenset({"acme"}),
            parts(),
        )


def test_without_a_file_the_channel_pairs_setting_decides() -> None:
    config = load(None, None, "webhook=webhook,sms=log,in_app=inbox")
    registry = Registry(config, frozenset({"acme"}), parts())
    assert [r.provider.name for r in registry.routes("acme", (Channel.IN_APP,))] == ["inbox"]


def test_rate_limit_is_divided_between_replicas() -> None:
    p = parts()
    p.replicas = 4
    cfg = {"providers": {"p": {"kind": "log", "rate_per_s": 100}}, "channels": {"sms": ["p"]}}
    [route] = Registry(load(None, json.dumps(cfg), ""), frozenset({"acme"}), p).routes(
        "acme", (Channel.SMS,)
    )
    assert route.gate.limiter is not None
    assert route.gate.limiter.max_rate / route.gate.limiter.time_period == 25
