"""A send carries the recipient's attributes its texts name, and no others."""

from herald.contracts import Content
from herald.scheduler.domain.attributes import attributes_for, named_keys

ATTRS = {"name": "李雷", "city": "北京", "tier": "gold", "phone_hint": "1234"}


def test_only_the_attributes_the_texts_name_travel() -> None:
    content = Content.model_validate(
        {
            "title": "{{ recipient.attributes.name }}, hello",
            "body": "b",
            "variants": {"sms": {"body": "{{ recipient.attributes.city | upper }} {{ labels.x }}"}},
        }
    )
    assert named_keys(content) == {"name", "city"}
    assert attributes_for(content, ATTRS) == {"name": "李雷", "city": "北京"}


def test_plain_texts_carry_no_attributes() -> None:
    assert attributes_for(Content(title="t", body="b"), ATTRS) == {}


def test_a_named_attribute_the_recipient_lacks_is_simply_absent() -> None:
    content = Content(title="{{ recipient.attributes.nickname }}", body="b")
    assert attributes_for(content, ATTRS) == {}


def test_media_urls_name_nothing() -> None:
    content = Content.model_validate(
        {
            "title": "t",
            "body": "b",
            "media": [{"kind": "image", "url": "https://x.example/{{recipient.attributes.tier}}"}],
        }
    )
    assert named_keys(content) == frozenset()
