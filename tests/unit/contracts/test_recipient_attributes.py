"""Recipient attributes and attribute segments: bounded where they enter Herald."""

import pytest
from pydantic import ValidationError

from herald.contracts import Recipient, Segment


def test_attributes_are_a_bounded_string_map() -> None:
    r = Recipient(recipient_id="u-1", tenant="acme", attributes={"city": "北京", "tier": "gold"})
    assert r.attributes == {"city": "北京", "tier": "gold"}
    assert Recipient(recipient_id="u-2", tenant="acme").attributes == {}


@pytest.mark.parametrize(
    "attributes",
    [
        {"ci ty": "x"},  # a key no placeholder could name
        {"labels.x": "x"},
        {"k" * 65: "x"},
        {"city": "x" * 65},  # longer than RECIPIENT_ATTRIBUTE_MAX
        {f"k{i}": "x" for i in range(51)},  # more than 50
    ],
)
def test_attributes_outside_the_bounds_are_refused(attributes: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Recipient(recipient_id="u-1", tenant="acme", attributes=attributes)


def test_a_segment_filters_on_attributes_beside_tags() -> None:
    seg = Segment(tags_all=("vip",), attributes={"city": ("beijing", "shanghai")})
    assert seg.attributes["city"] == ("beijing", "shanghai")
    with pytest.raises(ValidationError):
        Segment(attributes={"city": ()})  # an empty list would match no one
