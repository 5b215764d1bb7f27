"""Provider specs for the Chinese vendors: China template SMS, Android vendor push, WeChat.

Part of the providers configuration (docs/providers.md); secrets are `{"env": ...}` or
`{"file": ...}` references like every other provider's. `categories` / `channels` map a
Herald category (`marketing`, `notification`, `transactional`, `alert`) to the vendor's
message class, which decides whether the vendor counts it against its marketing quota
(and shows it silently): it must match what the app was approved for on the vendor's
console.
"""

from typing import Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from herald.dispatcher.routing.spec_base import Limits, SecretRef

# The vendors' class vocabularies (OPPO and vivo share theirs since their 2023 rules).
SYSTEM_CLASSES = {"marketing": "MARKETING", "notification": "SUBSCRIPTION",
                  "transactional": "ACCOUNT", "alert": "DEVICE_REMINDER"}  # fmt: skip


class TemplateSpec(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    code: str
    params: dict[str, str] = Field(default_factory=dict)


class AliyunSmsSpec(Limits):
    kind: Literal["aliyun_sms"]
    access_key_id: str
    access_key_secret: SecretRef
    sign_name: str
    templates: dict[str, TemplateSpec]
    endpoint: str = "https://dysmsapi.aliyuncs.com"
    signature: Literal["v3", "rpc"] = "v3"
    up_extend_code: str | None = None


# deliberate declaration: the operator's file, field by field (secrets as references;
# providers.tencent_sms.TencentSmsConfig is what it resolves to)
class TencentSmsSpec(Limits):
    kind: Literal["tencent_sms"]
    secret_id: str
    secret_key: SecretRef
    sdk_app_id: str
    sign_name: str
    templates: dict[str, TemplateSpec]
    region: str = "ap-guangzhou"
    endpoint: str = "https://sms.tencentcloudapi.com"

    @model_validator(mode="after")
    def _positional(self) -> Self:
        for name, t in self.templates.items():
            if not all(k.isdigit() for k in t.params):
                raise ValueError(f"template {name}: Tencent variables are named 1, 2, 3 ...")
        return self


class HuaweiSpec(Limits):
    kind: Literal["huawei"]
    app_id: str
    client_secret: SecretRef
    token_url: str = "https://oauth-login.cloud.huawei.com/oauth2/v3/token"  # noqa: S105 - a URL
    endpoint: str = "https://push-api.cloud.huawei.com"
    categories: dict[str, str] = Field(default_factory=lambda: {"marketing": "MARKETING"})
    """Herald category -> `android.category`; others go without one (Huawei classifies)."""


class XiaomiSpec(Limits):
    kind: Literal["xiaomi"]
    app_secret: SecretRef
    package: str
    endpoint: str = "https://api.xmpush.xiaomi.com"
    channels: dict[str, str] = Field(default_factory=dict)
    """Herald category -> `extra.channel_id` (a 私信 or 公信 channel made on the console)."""


class OppoSpec(Limits):
    kind: Literal["oppo"]
    app_key: str
    master_secret: SecretRef
    endpoint: str = "https://api.push.oppomobile.com"
    categories: dict[str, str] = Field(default_factory=lambda: dict(SYSTEM_CLASSES))
    channels: dict[str, str] = Field(default_factory=dict)
    """Herald category -> `channel_id` (a private-message channel registered with OPPO)."""


class VivoSpec(Limits):
    kind: Literal["vivo"]
    app_id: str
    app_key: str
    app_secret: SecretRef
    endpoint: str = "https://api-push.vivo.com.cn"
    categories: dict[str, str] = Field(default_factory=lambda: dict(SYSTEM_CLASSES))


class JPushSpec(Limits):
    kind: Literal["jpush"]
    app_key: str
    master_secret: SecretRef
    endpoint: str = "https://api.jpush.cn"


class WechatSpec(Limits):
    kind: Literal["wechat"]
    app_id: str
    app_secret: SecretRef
    template_id: str
    data: dict[str, str]
    """Template key (`thing1`, `time2`, `character_string3` ...) -> value template over
    `{title}` `{body}` `{url}` `{sent_at}` `{labels[name]}`."""
    endpoint: str = "https://api.weixin.qq.com"


VendorSpec = (
    AliyunSmsSpec | TencentSmsSpec | HuaweiSpec | XiaomiSpec | OppoSpec | VivoSpec
    | JPushSpec | WechatSpec
)  # fmt: skip
SMS_KINDS = frozenset({"aliyun_sms", "tencent_sms"})
