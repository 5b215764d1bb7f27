"""Is a link acceptable? `check_url(url, policy)` answers with every problem found.

The same policy serves review (every URL of a request) and the dispatcher (every URL of
the final rendered message, at send time). Pure: nothing here touches the network.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal
from urllib.parse import parse_qsl, unquote, urlsplit

from pydantic import BaseModel, ConfigDict

from herald.policy.hosts import (
    ip_of,
    look_alike,
    misspells,
    normal_host,
    on_domain,
    parents,
    scripts_of,
    wears,
)

Level = Literal["block", "hold", "note"]

# fmt: off
SHORTENERS = (
    "bit.ly", "t.cn", "tinyurl.com", "goo.gl", "ow.ly", "is.gd", "buff.ly", "t.co",
    "rebrand.ly", "cutt.ly", "dwz.cn", "suo.im", "url.cn", "sohu.gg", "w.url.cn", "s.id",
    "shorturl.at", "rb.gy", "tiny.cc", "v.gd", "bitly.com", "t.ly", "lnkd.in", "db.tt",
    "qr.net", "adf.ly", "shorte.st", "bl.ink", "soo.gd", "s.click.taobao.com", "m.tb.cn",
    "tb.cn", "u.jd.com", "3.cn", "dwz.date", "mrw.so", "0x3.me", "kks.me", "sina.lt",
)
REDIRECTORS = (
    "google.com/url", "www.google.com/url", "l.facebook.com/l.php", "lm.facebook.com",
    "link.zhihu.com", "c.pc.qq.com", "weixin110.qq.com", "link.csdn.net",
    "www.jianshu.com/go-wild", "gitee.com/link", "urlsec.qq.com", "out.reddit.com",
    "href.li", "www.youtube.com/redirect", "l.instagram.com", "away.vk.com",
)
REDIRECT_PARAMS = (
    "url", "u", "q", "target", "to", "goto", "redirect", "redirect_uri", "redirect_url",
    "next", "dest", "destination", "link", "out", "pfurl", "continue", "return", "jump",
)
PROTECTED = (
    "icbc.com.cn", "ccb.com", "abchina.com", "boc.cn", "bankcomm.com", "cmbchina.com",
    "95599.cn", "alipay.com", "taobao.com", "tmall.com", "jd.com", "qq.com", "weixin.qq.com",
    "wechat.com", "pinduoduo.com", "meituan.com", "12306.cn", "chinatax.gov.cn", "gov.cn",
    "apple.com", "icloud.com", "microsoft.com", "paypal.com", "amazon.com", "google.com",
    "xiaomi.com", "huawei.com", "douyin.com", "baidu.com", "ctrip.com",
)
# fmt: on
SCRIPT_SCHEMES = ("javascript", "data", "vbscript", "file", "blob")
QUIET_SCHEMES = ("mailto", "tel", "sms")
_DEPTH = 2
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789.-[]:")
_BAD_HOST = " <>\"'`{}|^%"


class LinkPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    https_only: bool = True
    deny_domains: tuple[str, ...] = ()
    allow_domains: tuple[str, ...] | None = None
    """When set, links to any other domain are blocked."""
    shorteners: tuple[str, ...] = SHORTENERS
    shortener_severity: Level = "hold"
    redirectors: tuple[str, ...] = REDIRECTORS
    """Hosts (or host/path prefixes) that forward to another address."""
    redirect_params: tuple[str, ...] = REDIRECT_PARAMS
    """Query parameters that carry a whole URL to forward to (open redirects)."""
    redirector_severity: Level = "hold"
    look_alike_severity: Level = "block"
    idn_scripts: tuple[str, ...] = ("CJK", "LATIN", "HIRAGANA", "KATAKANA", "HANGUL")
    """Scripts an internationalised domain may be written in (the first word of the
    Unicode character names); a domain in any other script is held for a human."""
    foreign_script_severity: Level = "hold"
    protected_domains: tuple[str, ...] = PROTECTED
    """Well-known domains a phishing host wears as a prefix (`icbc.com.cn.verify.example`)."""


@dataclass(frozen=True, slots=True)
class LinkFinding:
    kind: str
    """scheme, script_url, plain_http, userinfo, ip_host, bad_host, look_alike_domain,
    disguised_host, foreign_script_domain,
    denied_domain, not_allowed_domain, shortener, redirector."""
    severity: Level
    message: str
    url: str


def check_url(url: str, policy: LinkPolicy, _depth: int = 0) -> tuple[LinkFinding, ...]:
    """Every problem with one link (empty when it is acceptable)."""
    raw = url.strip().replace("\\", "/")
    if raw.lower().startswith(QUIET_SCHEMES):
        return ()
    scheme = raw.split(":", 1)[0].lower() if ":" in raw.split("/", 1)[0] else ""
    if scheme in SCRIPT_SCHEMES:
        return (_found("script_url", "block", f"{scheme}: URLs are not allowed", url),)
    target = raw if scheme else "https://" + raw.lstrip("/")
    try:
        parts = urlsplit(target)
        netloc = parts.netloc
    except ValueError:
        return (_found("bad_host", "block", "the link cannot be parsed", url),)
    found = _scheme(parts.scheme.lower(), policy, url)
    if "@" in netloc:
        shown = netloc.rsplit("@", 1)[0]
        found.append(_found("userinfo", "block", f"text before @ ({shown}) hides the host", url))
    if any(dot in netloc for dot in "。．｡"):
        message = "the host is written with a look-alike dot"
        found.append(_found("disguised_host", policy.look_alike_severity, message, url))
    host = normal_host(unquote(netloc.rsplit("@", 1)[-1]))
    host = host[: host.find("]") + 1] if host.startswith("[") else host.rsplit(":", 1)[0]
    found += _host(host, policy, url)
    found += _forwarding(host, parts.path, parts.query, policy, url, _depth)
    return tuple(found)


def _found(kind: str, severity: Level, message: str, url: str) -> LinkFinding:
    return LinkFinding(kind, severity, message, url[:300])


def _scheme(scheme: str, policy: LinkPolicy, url: str) -> list[LinkFinding]:
    if scheme not in ("http", "https"):
        return [_found("scheme", "block", f"scheme {scheme} is not allowed", url)]
    if policy.https_only and scheme == "http":
        return [_found("plain_http", "block", "only https links are allowed", url)]
    return []


def _host(host: str, policy: LinkPolicy, url: str) -> list[LinkFinding]:
    ip = ip_of(host)
    if ip is not None:
        return [_found("ip_host", "block", f"{host} is a raw IP address ({ip})", url)]
    if not host or (not _HOST_CHARS.issuperset(host) and any(c in host for c in _BAD_HOST)):
        return [_found("bad_host", "block", f"{host!r} is not a host name", url)]
    found = []
    why = look_alike(host)
    if why is not None:
        found.append(_found("look_alike_domain", policy.look_alike_severity, why, url))
    foreign = scripts_of(host) - set(policy.idn_scripts)
    if why is None and foreign:
        message = f"the domain is written in {', '.join(sorted(foreign))} script"
        found.append(_found("foreign_script_domain", policy.foreign_script_severity, message, url))
    worn = wears(host, policy.protected_domains)
    misspelt = misspells(host, policy.protected_domains) if why is None else None
    if misspelt:
        message = f"{host} reads as {misspelt} but is another domain"
        found.append(_found("look_alike_domain", policy.look_alike_severity, message, url))
    elif worn and why is None:
        message = f"{host} wears {worn} but is another domain"
        found.append(_found("look_alike_domain", policy.look_alike_severity, message, url))
    denied = on_domain(host, policy.deny_domains)
    if denied:
        found.append(_found("denied_domain", "block", f"domain {denied} is on the deny-list", url))
    if policy.allow_domains is not None and not on_domain(host, policy.allow_domains):
        found.append(
            _found("not_allowed_domain", "block", f"domain {host} is not on the allow-list", url)
        )
    if on_domain(host, policy.shorteners):
        message = f"{host} is a URL shortener: the target is hidden"
        found.append(_found("shortener", policy.shortener_severity, message, url))
    return found


@lru_cache(maxsize=64)
def _redirect_paths(redirectors: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    """host -> the path prefixes that forward ("" for the whole host)."""
    found: dict[str, list[str]] = {}
    for r in redirectors:
        host, _, path = r.lower().partition("/")
        found.setdefault(host, []).append("/" + path if path else "")
    return {h: tuple(p) for h, p in found.items()}


def _is_redirector(host: str, path: str, redirectors: tuple[str, ...]) -> bool:
    table = _redirect_paths(redirectors)
    for domain in parents(host):
        for prefix in table.get(domain, ()):
            if not prefix or path == prefix or path.startswith(prefix.rstrip("/") + "/"):
                return True
    return False


def _forwarding(
    host: str, path: str, query: str, policy: LinkPolicy, url: str, depth: int
) -> list[LinkFinding]:
    """A redirector, or a link that carries another URL to forward to (checked too)."""
    found = []
    if _is_redirector(host, path.rstrip("/") or "", policy.redirectors):
        message = f"{host} forwards to another address"
        found.append(_found("redirector", policy.redirector_severity, message, url))
    if "http" not in query.lower() and "//" not in query:
        return found
    names = set(policy.redirect_params)
    for name, value in parse_qsl(query, keep_blank_values=False)[:50]:
        inner = value.strip()
        if name.lower() in names and inner.lower().startswith(("http:", "https:", "//")):
            message = f"parameter {name} forwards to {inner[:100]}"
            if not found:
                found.append(_found("redirector", policy.redirector_severity, message, url))
            if depth < _DEPTH:
                found += check_url(
                    inner if ":" in inner[:6] else "https:" + inner, policy, depth + 1
                )
    return found
