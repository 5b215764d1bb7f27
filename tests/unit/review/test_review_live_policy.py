"""Operators tune review live: the policy file and the dictionaries reload without a
restart, context and pair rules come from the dictionary folder, per-tenant source rules."""

import json
import re
from pathlib import Path

import pytest
from tests.unit.review.builders import push

from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.context import parse_contexts
from herald.review.engine.engine import Engine
from herald.review.engine.findings import Severity
from herald.review.engine.pairs import parse_pairs
from herald.review.policy import Policy, SourcePolicy, load_policy


def _write(path: Path, data: object) -> None:
    path.write_text(json.dumps(data), encoding="utf-8")


def test_an_edited_policy_file_takes_effect_without_a_restart(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.json"
    _write(policy_file, {})
    dictionaries = Dictionaries(load_policy(str(policy_file)), None)
    engine = Engine(dictionaries.policy, dictionaries.matcher)
    request = push(content={"body": "血腥暴力画面"})
    assert {f.severity for f in engine.evaluate(request)} == {Severity.HOLD}

    _write(policy_file, {"term_severity": {"violence": "block"}, "budget_ms": 100})
    assert dictionaries.refresh()
    assert engine.policy.budget_ms == 100
    assert {f.severity for f in engine.evaluate(request)} == {Severity.BLOCK}


def test_a_broken_policy_file_keeps_the_last_good_policy(tmp_path: Path) -> None:
    policy_file = tmp_path / "policy.json"
    _write(policy_file, {"budget_ms": 100})
    dictionaries = Dictionaries(load_policy(str(policy_file)), None)
    policy_file.write_text('{"budget_ms": "soon"', encoding="utf-8")
    assert not dictionaries.refresh()
    assert dictionaries.policy.budget_ms == 100


def test_operator_context_and_pair_rules_are_read_from_the_folder(tmp_path: Path) -> None:
    (tmp_path / "custom.txt").write_text("神秘盲盒\n", encoding="utf-8")
    (tmp_path / "context.toml").write_text(
        '[[rule]]\nname = "toy shop"\ncategories = ["custom"]\ncues = ["玩具店"]\n',
        encoding="utf-8",
    )
    (tmp_path / "pairs.toml").write_text(
        '[[pair]]\nname = "tickets"\ncategory = "custom"\nseverity = "block"\n'
        'verbs = ["倒卖"]\nthings = ["门票"]\nwindow = 6\n',
        encoding="utf-8",
    )
    engine = Engine(Policy(), Dictionaries(Policy(), str(tmp_path)).matcher)

    def custom(body: str) -> list[str]:
        found = engine.evaluate(push(content={"body": body}))
        return [e for f in found if f.category == "custom" for e in f.entries]

    assert custom("限时抢购神秘盲盒") == ["神秘盲盒"]
    assert custom("玩具店上新神秘盲盒") == []
    assert custom("演唱会门票高价倒卖") == ["倒卖+门票 (pair: tickets)"]


@pytest.mark.parametrize(
    ("name", "table", "error"),
    [
        ("context.toml", '[[rule]]\ncues = "警惕"\n', "context.toml rule 1: cues must be a list"),
        ("context.toml", '[[rule]]\ncue = ["警惕"]\n', "context.toml rule 1: unknown keys ['cue']"),
        ("pairs.toml", '[[pair]]\nverbs = ["卖"]\n', "pairs.toml pair 1: needs a category"),
        ("pairs.toml", '[[pair]]\ncategory = "x"\nthings = 1\n', "pair 1: things must be a list"),
    ],
)
def test_a_misspelt_rule_file_is_refused_naming_the_rule_and_key(
    tmp_path: Path, name: str, table: str, error: str
) -> None:
    (tmp_path / name).write_text(table, encoding="utf-8")
    parse = parse_contexts if name == "context.toml" else parse_pairs
    with pytest.raises(ValueError, match=re.escape(error)):
        parse(tmp_path / name)


def test_source_attribution_categories_are_per_tenant() -> None:
    policy = Policy(
        source=SourcePolicy(tenant_categories={"acme": (), "globex": ("transactional",)})  # type: ignore[arg-type]
    )
    engine = Engine(policy, Dictionaries(policy, None).matcher)
    body = {"body": "转载自某公众号：冬季养生指南"}

    def missing(tenant: str, category: str) -> bool:
        found = engine.evaluate(push(content=body, tenant=tenant, category=category))
        return any(f.rule == "source" for f in found)

    assert not missing("acme", "notification")
    assert missing("globex", "transactional")
    assert not missing("globex", "notification")
    assert missing("initech", "notification")
