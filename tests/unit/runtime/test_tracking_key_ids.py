"""Tracking key ids travel inside every token between `.` separators (issue 16)."""

import pytest

from herald.runtime.links import parse_keys


@pytest.mark.parametrize("spec", ["k.1:secret", "k 1:secret", "ключ:secret", "k1:a,k1:b"])
def test_a_key_id_that_would_break_its_tokens_is_refused_at_start(spec: str) -> None:
    with pytest.raises(ValueError, match="tracking key id"):
        parse_keys(spec)


def test_ordinary_key_ids_are_kept_in_order() -> None:
    assert list(parse_keys("dev-2:new, dev_1:old")) == ["dev-2", "dev_1"]
