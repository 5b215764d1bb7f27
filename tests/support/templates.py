"""A stored template and a request naming it, as the template tests use them (through
the whole stack in tests/e2e, intake and review in-process in tests/integration)."""

from typing import Any

ORDER_TEXTS: dict[str, Any] = {
    "default": {
        "title": "Welcome, {{ values.name }}",
        "body": "Your order {{ values.order }} ships today.",
    },
    "locales": {
        "zh": {"title": "欢迎 {{ values.name }}", "body": "您的订单 {{ values.order }} 今天发货。"},
        "zh-Hant": {
            "title": "歡迎 {{ values.name }}",
            "body": "您的訂單 {{ values.order }} 今天出貨。",
        },
    },
}
"""Texts in three locales (default, zh, zh-Hant) that take the values `name` and `order`."""


def with_default_body(texts: dict[str, Any], body: str) -> dict[str, Any]:
    """`texts` with another default body (the locales as they are)."""
    return texts | {"default": texts["default"] | {"body": body}}


def templated(rid: str, recipients: list[str], use: dict[str, Any], **over: Any) -> dict[str, Any]:
    """A request of tenant acme that names a template (`use`: name, version, values...)."""
    return {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "Tell customers their order ships",
        "category": "notification",
        "channels": ["webhook"],
        "audience": {"recipients": recipients},
        "template": use,
    } | over
