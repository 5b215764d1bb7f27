"""The recipient-facing pages: server-rendered HTML, no script, no external resources.

Every value is escaped; forms post back to the page's own address (the signed token is
the only credential and the only CSRF defence a page without a session needs: nobody
can make a token for someone else). Chinese and English; the token's locale is unknown,
so both are shown.
"""

import html
from collections.abc import Sequence

from herald.contracts import Category, Channel
from herald.dispatcher.optout.changes import CHANNELS, Cell

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}
"""No caching of a page whose address is a credential, no Referer leaking it, no framing
(a one-click form in someone else's frame would be clickjacking)."""

NAMES = {
    Category.MARKETING: "营销 Marketing",
    Category.NOTIFICATION: "通知 Notifications",
    Channel.EMAIL: "邮件 E-mail",
    Channel.SMS: "短信 SMS",
    Channel.APP_PUSH: "APP 推送 App push",
    Channel.IN_APP: "站内信 In-app",
    Channel.SOCIAL: "社交媒体 Social",
}


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto;padding:0 1em}"
        "td,th{padding:.4em;text-align:center}button{font-size:1em;padding:.5em 1em}</style>"
        f"</head><body>{body}</body></html>"
    )


def _what(category: Category, channel: Channel | None) -> str:
    where = NAMES.get(channel, "所有渠道 all channels") if channel else "所有渠道 all channels"
    return f"{NAMES[category]} · {where}"


def confirm(tenant: str, category: Category, channel: Channel | None) -> str:
    what = html.escape(_what(category, channel))
    return _page(
        "退订 Unsubscribe",
        f"<h1>退订 Unsubscribe</h1><p>{html.escape(tenant)}: {what}</p>"
        '<form method="post"><input type="hidden" name="List-Unsubscribe" value="One-Click">'
        "<button>确认退订 Unsubscribe</button></form>",
    )


def done(tenant: str, category: Category, channel: Channel | None, prefs: str) -> str:
    what = html.escape(_what(category, channel))
    return _page(
        "已退订 Unsubscribed",
        f"<h1>已退订 You are unsubscribed</h1><p>{html.escape(tenant)}: {what}</p>"
        f'<p><a href="{html.escape(prefs)}">偏好设置 Manage preferences</a></p>',
    )


def preferences(
    tenant: str, categories: Sequence[Category], opted_out: frozenset[Cell], saved: bool
) -> str:
    head = "".join(f"<th>{html.escape(NAMES[c])}</th>" for c in CHANNELS)
    rows = []
    for cat in categories:
        cells = "".join(
            f'<td><input type="checkbox" name="{cat}:{ch}" value="1"'
            f"{'' if (str(cat), str(ch)) in opted_out else ' checked'}"
            f' aria-label="{html.escape(_what(cat, ch))}"></td>'
            for ch in CHANNELS
        )
        rows.append(f"<tr><th>{html.escape(NAMES[cat])}</th>{cells}</tr>")
    note = "<p><strong>已保存 Saved.</strong></p>" if saved else ""
    return _page(
        "偏好设置 Preferences",
        f"<h1>偏好设置 Preferences</h1><p>{html.escape(tenant)}</p>{note}"
        '<form method="post"><table><tr><th></th>'
        f"{head}</tr>{''.join(rows)}</table>"
        '<p><button name="save" value="1">保存 Save</button> '
        '<button name="none" value="1">全部退订 Unsubscribe from all</button></p></form>'
        "<p>交易类消息（验证码、订单）不受影响。"
        "Transactional messages (codes, orders) still go.</p>",
    )


def not_found() -> str:
    return _page(
        "链接无效 Invalid link",
        "<h1>链接无效或已过期</h1><p>This link is not valid or has expired.</p>",
    )
