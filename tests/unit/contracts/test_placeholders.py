"""The placeholder language: fields and case filters, nothing a reviewer cannot read."""

import pytest

from herald.contracts.placeholders import (
    RenderTooLongError,
    TemplateError,
    check,
    parse,
    render,
    scan,
)

VALUES = {
    "recipient.id": "u-1",
    "labels.campaign": "winter",
    "recipient.attributes.name": " li wei ",
}


def test_plain_text_renders_as_itself() -> None:
    text = "会员专享 5 折起 {not a placeholder} }} %}"
    assert parse(text).is_plain
    assert render(text, VALUES) == text


def test_fields_and_filters_substitute() -> None:
    text = "Hi {{ recipient.attributes.name | trim | title }}, {{labels.campaign|upper}}!"
    assert render(text, VALUES) == "Hi Li Wei, WINTER!"
    assert parse(text).fields == {"recipient.attributes.name", "labels.campaign"}


def test_missing_value_renders_empty() -> None:
    assert render("[{{ labels.other }}]", VALUES) == "[]"


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'bet' ~ '365' }}",  # literals and concatenation
        "{{ labels.a + labels.b }}",  # operators
        "{{ labels.a[0:3] }}",  # slicing
        "{{ labels.a.replace('x', 'y') }}",  # method call
        "{{ labels.a | replace('x','y') }}",  # filter with arguments
        "{{ labels.a | center(100000) }}",  # unknown filter
        "{% for i in range(9) %}x{% endfor %}",  # loops
        "{% if true %}x{% endif %}",  # conditions
        "{# hidden #}",  # comments
        "{{ config }}",  # undeclared name
        "{{ }}",  # empty
        "{{ labels.a ",  # unterminated
        "{{ labels.a" + " " * 300 + "}}",  # too long
        "{{ recipient.attributes.we.ird }}",  # dotted key
        "{{ lipsum.__globals__ }}",
    ],
)
def test_anything_but_a_placeholder_is_refused(text: str) -> None:
    err = check(text)
    assert isinstance(err, TemplateError)
    with pytest.raises(TemplateError):
        render(text, VALUES)


def test_error_names_the_offset() -> None:
    err = check("hello {{ 1 + 1 }}")
    assert err is not None
    assert err.offset == 6
    assert "not a field" in str(err)


def test_skeleton_shows_what_no_value_decides() -> None:
    assert parse("A{{ labels.x }}B").skeleton("#") == "A#B"


def test_render_limit_refuses_oversized_output() -> None:
    text = "{{ labels.campaign }}" * 10
    with pytest.raises(RenderTooLongError):
        render(text, {"labels.campaign": "x" * 1000}, limit=5000)
    assert len(render(text, {"labels.campaign": "x" * 100}, limit=5000)) == 1000


def test_scanning_is_linear_on_hostile_text() -> None:
    # many openers that never close: each is refused at the first one, not rescanned
    text = "{{ a" * 100_000
    assert check(text) is not None
    assert parse("x" * 1_000_000).is_plain


class _CountingText(str):
    """A text that counts the searches made for each opener."""

    searches: dict[str, int]

    def find(self, sub: str, *args: int | None) -> int:  # type: ignore[override]
        self.searches[sub] = self.searches.get(sub, 0) + 1
        return super().find(sub, *args)


def test_many_placeholders_are_read_in_one_pass() -> None:
    # each placeholder used to search the rest of the text for every opener again:
    # 20,000 placeholders in a 200,000-character HTML part took 12 seconds
    text = _CountingText("{{ tenant }}<b>" * 20_000 + "{% if %}")
    text.searches = {}
    with pytest.raises(TemplateError) as refused:
        scan(text)
    assert refused.value.offset == len(text) - len("{% if %}")
    assert text.searches["{%"] <= 2 and text.searches["{#"] <= 2
