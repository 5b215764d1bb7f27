"""The policy file: JSON or TOML, every key optional, typos refused."""

import json
import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from herald.contracts import Category, Channel
from herald.review.policy import Policy, load_policy

DOC = Path(__file__).parents[3] / "docs" / "review-rules.md"


def test_no_policy_file_means_the_defaults() -> None:
    assert load_policy(None) == Policy()


def test_the_documented_policy_file_loads(tmp_path: Path) -> None:
    [example] = re.findall(r"## A complete policy file\s+```json\n(.*?)```", DOC.read_text(), re.S)
    path = tmp_path / "policy.json"
    path.write_text(example, encoding="utf-8")
    policy = load_policy(str(path))
    assert policy.format.title_max == {Channel.APP_PUSH: 40}
    assert policy.human_review[0].category == Category.MARKETING
    assert policy.strikes.requester.restricted == 2


def test_toml_policy_loads(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[links]\ndeny_domains = ["evil.example"]\n', encoding="utf-8")
    assert load_policy(str(path)).links.deny_domains == ("evil.example",)


def test_a_typo_in_the_policy_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "policy.json"
    path.write_text(json.dumps({"links": {"http_only": True}}), encoding="utf-8")
    with pytest.raises(ValidationError):
        load_policy(str(path))


def test_a_ladder_out_of_order_is_refused() -> None:
    with pytest.raises(ValidationError):
        Policy.model_validate({"strikes": {"requester": {"warned": 3, "restricted": 2}}})
