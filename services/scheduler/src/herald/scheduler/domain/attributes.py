"""Which of a recipient's attributes a request's texts name: only those travel with its
sends (a Send carries no more personal data than its message can show). Pure."""

import functools
from collections.abc import Mapping

from herald.contracts import Content
from herald.contracts.personalisation import texts_of
from herald.contracts.placeholders import TemplateError, parse

PREFIX = "recipient.attributes."


def named_keys(content: Content) -> frozenset[str]:
    """The attribute keys the content's texts name (`{{ recipient.attributes.<key> }}`).
    Media URLs are sent as written and name nothing."""
    return _keys_in(
        tuple(t.text for t in texts_of(content) if not t.field.startswith("content.media"))
    )


@functools.lru_cache(maxsize=256)
def _keys_in(texts: tuple[str, ...]) -> frozenset[str]:
    """(Remembered: a release builds the sends of one request many times over.) A text
    that is not a valid template (intake refuses those) names nothing."""
    keys: set[str] = set()
    for text in texts:
        try:
            fields = parse(text).fields
        except TemplateError:
            continue
        keys.update(f[len(PREFIX) :] for f in fields if f.startswith(PREFIX))
    return frozenset(keys)


def attributes_for(content: Content, attributes: Mapping[str, str]) -> dict[str, str]:
    """The recipient's attributes the content names, and no others."""
    if not attributes:
        return {}
    keys = named_keys(content)
    return {k: v for k, v in attributes.items() if k in keys}
