"""Build the Chinese vendors' providers from their specs (secrets resolved here, once)."""

import httpx

from herald.dispatcher.providers.aliyun_sms import AliyunSmsConfig, AliyunSmsProvider
from herald.dispatcher.providers.base import Provider
from herald.dispatcher.providers.huawei import HuaweiConfig, HuaweiProvider
from herald.dispatcher.providers.jpush import JPushConfig, JPushProvider
from herald.dispatcher.providers.oppo import OppoConfig, OppoProvider
from herald.dispatcher.providers.refs import Refs
from herald.dispatcher.providers.sms_templates import SmsTemplate
from herald.dispatcher.providers.tencent_sms import TencentSmsConfig, TencentSmsProvider
from herald.dispatcher.providers.vivo import VivoConfig, VivoProvider
from herald.dispatcher.providers.wechat import WechatConfig, WechatProvider
from herald.dispatcher.providers.wechat_tokens import SharedTokens
from herald.dispatcher.providers.xiaomi import XiaomiConfig, XiaomiProvider
from herald.dispatcher.routing.vendor_config import (
    AliyunSmsSpec,
    HuaweiSpec,
    JPushSpec,
    OppoSpec,
    TemplateSpec,
    TencentSmsSpec,
    VendorSpec,
    VivoSpec,
    WechatSpec,
    XiaomiSpec,
)


def _templates(specs: dict[str, TemplateSpec]) -> dict[str, SmsTemplate]:
    return {k: SmsTemplate(v.code, dict(v.params)) for k, v in specs.items()}


def _sms(
    spec: AliyunSmsSpec | TencentSmsSpec, name: str, client: httpx.AsyncClient, refs: Refs
) -> Provider:
    if isinstance(spec, AliyunSmsSpec):
        secret = spec.access_key_secret.resolve().get_secret_value()
        templates = _templates(spec.templates)
        cfg = AliyunSmsConfig(spec.access_key_id, secret, spec.sign_name, templates,
                              spec.endpoint, spec.signature, spec.up_extend_code)  # fmt: skip
        return AliyunSmsProvider(client, cfg, name, refs)
    key = spec.secret_key.resolve().get_secret_value()
    tc = TencentSmsConfig(spec.secret_id, key, spec.sdk_app_id, spec.sign_name,
                          _templates(spec.templates), spec.region, spec.endpoint)  # fmt: skip
    return TencentSmsProvider(client, tc, refs, name)


def _push(spec: HuaweiSpec | XiaomiSpec | OppoSpec | VivoSpec | JPushSpec, name: str,
          client: httpx.AsyncClient) -> Provider:  # fmt: skip
    if isinstance(spec, HuaweiSpec):
        secret = spec.client_secret.resolve().get_secret_value()
        cfg = HuaweiConfig(
            spec.app_id, secret, spec.token_url, spec.endpoint, dict(spec.categories)
        )
        return HuaweiProvider(client, cfg, name)
    if isinstance(spec, XiaomiSpec):
        app_secret = spec.app_secret.resolve().get_secret_value()
        mi = XiaomiConfig(app_secret, spec.package, spec.endpoint, dict(spec.channels))
        return XiaomiProvider(client, mi, name)
    if isinstance(spec, OppoSpec):
        master = spec.master_secret.resolve().get_secret_value()
        oppo = OppoConfig(
            spec.app_key, master, spec.endpoint, dict(spec.categories), dict(spec.channels)
        )
        return OppoProvider(client, oppo, name)
    if isinstance(spec, VivoSpec):
        secret = spec.app_secret.resolve().get_secret_value()
        vivo = VivoConfig(spec.app_id, spec.app_key, secret, spec.endpoint, dict(spec.categories))
        return VivoProvider(client, vivo, name)
    master = spec.master_secret.resolve().get_secret_value()
    return JPushProvider(client, JPushConfig(spec.app_key, master, spec.endpoint), name)


def build_vendor(
    spec: VendorSpec, name: str, client: httpx.AsyncClient, refs: Refs, tokens: SharedTokens
) -> Provider:
    if isinstance(spec, AliyunSmsSpec | TencentSmsSpec):
        return _sms(spec, name, client, refs)
    if isinstance(spec, WechatSpec):
        secret = spec.app_secret.resolve().get_secret_value()
        cfg = WechatConfig(spec.app_id, secret, spec.template_id, dict(spec.data), spec.endpoint)
        return WechatProvider(client, cfg, tokens, name)
    return _push(spec, name, client)
