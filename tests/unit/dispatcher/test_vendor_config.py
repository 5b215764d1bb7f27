"""The Chinese vendors' provider specs: parsing, defaults, validation, secrets, routing."""

import os

import httpx
import pytest
from pydantic import ValidationError

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.http.sms_callbacks import spec_of, tenants_of
from herald.dispatcher.providers.sms_templates import SmsTemplate, choose, fill, positional
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.config import ProvidersConfig
from herald.dispatcher.routing.registry import Registry
from herald.dispatcher.routing.vendor_config import HuaweiSpec, OppoSpec
from tests.unit.dispatcher.builders import send
from tests.unit.dispatcher.fakes import FakeInbox

SECRET = {"env": "TEST_VENDOR_SECRET"}


def config(**over: object) -> ProvidersConfig:
    raw = {
        "providers": {
            "ali": {
                "kind": "aliyun_sms",
                "access_key_id": "AK",
                "access_key_secret": SECRET,
                "sign_name": "Acme",
                "templates": {"default": {"code": "SMS_1"}},
            },
            "hw": {"kind": "huawei", "app_id": "1", "client_secret": SECRET},
            "op": {"kind": "oppo", "app_key": "k", "master_secret": SECRET},
        },
        "channels": {"sms": ["ali"], "app_push": ["hw", "op"]},
        "tenants": {"globex": {"channels": {"sms": ["log"]}}},
        **over,
    }
    return ProvidersConfig.model_validate(raw)


def test_vendor_specs_parse_with_their_defaults() -> None:
    specs = config().specs("acme")
    hw, op = specs["hw"], specs["op"]
    assert isinstance(hw, HuaweiSpec)
    assert hw.categories == {"marketing": "MARKETING"}
    assert hw.endpoint == "https://push-api.cloud.huawei.com"
    assert isinstance(op, OppoSpec)
    assert op.categories["transactional"] == "ACCOUNT"


def test_an_inline_secret_or_a_non_numeric_tencent_variable_is_refused() -> None:
    with pytest.raises(ValidationError):
        config(providers={"x": {"kind": "huawei", "app_id": "1", "client_secret": "inline"}})
    with pytest.raises(ValidationError, match="Tencent variables"):
        config(
            providers={
                "x": {
                    "kind": "tencent_sms",
                    "secret_id": "i",
                    "secret_key": SECRET,
                    "sdk_app_id": "1",
                    "sign_name": "A",
                    "templates": {"default": {"code": "1", "params": {"name": "x"}}},
                }
            }
        )


def test_a_shared_sms_provider_answers_for_every_tenant_routing_through_it() -> None:
    cfg = config()
    assert spec_of(cfg, "~", "ali") is not None
    assert spec_of(cfg, "acme", "ali") is None  # not acme's own
    assert tenants_of(cfg, frozenset({"acme", "globex"}), "~", "ali") == ["acme"]
    assert tenants_of(cfg, frozenset({"acme", "globex"}), "globex", "tc") == ["globex"]


def test_templates_are_chosen_by_label_then_category_then_default() -> None:
    templates = {
        "default": SmsTemplate("D"),
        "marketing": SmsTemplate("M"),
        "promo": SmsTemplate("P", {"2": "{labels[code]}", "1": "{title}"}),
    }
    plain = render(send(), "sms")  # type: ignore[arg-type]
    assert choose(templates, plain).code == "D"  # type: ignore[union-attr]
    marketing = render(send(category="marketing"), "sms")  # type: ignore[arg-type]
    assert choose(templates, marketing).code == "M"  # type: ignore[union-attr]
    named = render(send(labels={"sms_template": "promo", "code": "X1"}), "sms")  # type: ignore[arg-type]
    promo = choose(templates, named)
    assert promo is not None
    assert positional(fill(promo, named)) == ["Sale", "X1"]
    unknown = render(send(labels={"sms_template": "nope"}), "sms")  # type: ignore[arg-type]
    assert choose(templates, unknown) is None


def test_secrets_resolve_from_the_environment_at_build_time() -> None:
    spec = config().specs("acme")["hw"]
    assert isinstance(spec, HuaweiSpec)
    os.environ["TEST_VENDOR_SECRET"] = "s3cret"
    try:
        assert spec.client_secret.resolve().get_secret_value() == "s3cret"
    finally:
        del os.environ["TEST_VENDOR_SECRET"]


def test_vendor_providers_get_their_own_routes_gates_and_tenant_copies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TEST_VENDOR_SECRET", "s")
    raw = {
        "providers": {
            "hw": {"kind": "huawei", "app_id": "1", "client_secret": SECRET, "rate_per_s": 500},
            "vv": {"kind": "vivo", "app_id": "1", "app_key": "k", "app_secret": SECRET},
            "wx": {"kind": "wechat", "app_id": "wx", "app_secret": SECRET, "template_id": "T",
                   "data": {"thing1": "{title}"}},
        },
        "channels": {"app_push": ["hw", "vv", "log"], "social": ["wx"]},
        "tenants": {"globex": {"providers": {"wx": {"kind": "wechat", "app_id": "wx2",
                    "app_secret": SECRET, "template_id": "T", "data": {}}}}},
    }  # fmt: skip
    parts = Parts(httpx.AsyncClient(), b"s", str, FakeInbox())
    registry = Registry(ProvidersConfig.model_validate(raw), frozenset({"acme", "globex"}), parts)
    acme = registry.routes("acme", (Channel.SOCIAL, Channel.APP_PUSH))
    assert [(r.channel, r.provider.name) for r in acme] == [
        (Channel.SOCIAL, "wx"), (Channel.APP_PUSH, "hw"), (Channel.APP_PUSH, "vv"),
        (Channel.APP_PUSH, "log"),
    ]  # fmt: skip
    assert acme[1].gate.limiter is not None  # the provider's rate limit
    globex = registry.routes("globex", (Channel.SOCIAL,))
    assert globex[0].provider.name == "globex/wx"
    assert globex[0].gate is not acme[0].gate  # its own breaker
