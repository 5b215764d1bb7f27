"""What review saw of a request's links: every link in its texts as review reads them
(`herald.review.projection`: labels, id and tenant filled in, recipient fields unknown)
and in its label values. The last check lets a link that review would hold for a human
through only when review held the same kind of problem on the same host. Pure."""

import html as htmllib
from urllib.parse import urlsplit

from herald.contracts.internal import Send
from herald.contracts.personalisation import Kind, as_reviewed, texts_of
from herald.contracts.placeholders import TemplateError, parse
from herald.policy import urls_in
from herald.policy.hosts import normal_host


def reviewed_links(send: Send) -> list[str]:
    """The links review read in the request: in its texts with the labels, id and tenant
    filled in (each recipient field as `REVIEW_MARKER`), and in its label values."""
    known = shared_values_of(send)
    links: list[str] = []
    for text in texts_of(send.content):
        try:
            rendered = as_reviewed(parse(text.text), known)
        except TemplateError:
            rendered = text.text
        if text.kind is Kind.URL:
            urls = [rendered.strip()]
        else:
            urls = urls_in(htmllib.unescape(rendered) if text.kind is Kind.HTML else rendered)
        links += urls
    for value in send.labels.values():
        links += urls_in(value)
    return links


def shared_values_of(send: Send) -> dict[str, str]:
    """`herald.contracts.personalisation.shared_values`, for a send."""
    found = {f"labels.{k}": v for k, v in send.labels.items()}
    found["request_id"], found["tenant"] = send.request_id, send.tenant
    return found


def host_of(url: str) -> str:
    target = url if "://" in url[:30] else "https://" + url.lstrip("/")
    try:
        netloc = urlsplit(target).netloc
    except ValueError:
        return ""
    host = normal_host(netloc.rsplit("@", 1)[-1])
    return host[: host.find("]") + 1] if host.startswith("[") else host.rsplit(":", 1)[0]
