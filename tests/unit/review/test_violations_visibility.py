"""The violations board's visibility rules, pure: departments, request ids, excerpts."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from herald.contracts.internal import Standing
from herald.review.domain.board import Entry, Strike, shown, visible
from herald.review.policy import Policy
from herald.review.violations_policy import ViolationsPolicy
from herald.runtime.auth import Principal, Role

AT = datetime(2026, 11, 29, 9, 30, tzinfo=UTC)
STRIKE = Strike("r-1", AT, "rules", ("sensitive_content",), "冬季特卖 — 百家乐今晚开局，速来")
ENTRIES = [
    Entry("requester", "li.wei", "marketing", Standing.BANNED, AT, (STRIKE,)),
    Entry("department", "ops", "ops", Standing.WARNED, AT, ()),
]
REVIEWER = Principal("k1", "acme", Role.REVIEWER, "zhang.san", "compliance")
SUBMITTER = Principal("k2", "acme", Role.SUBMITTER, "li.wei", " Marketing")


def test_by_default_only_reviewers_and_admins_see_the_board_and_see_everything() -> None:
    policy = ViolationsPolicy()
    assert visible(policy, REVIEWER) and not visible(policy, SUBMITTER)
    [person, department] = shown(ENTRIES, REVIEWER, policy)
    assert person["violations"] == [
        {"at": AT.isoformat(), "by": "rules", "codes": ["sensitive_content"],
         "request_id": "r-1", "excerpt": STRIKE.excerpt},
    ]  # fmt: skip
    assert (person["standing"], person["strikes"], department["strikes"]) == ("banned", 1, 0)


def test_a_departments_people_see_their_own_department_unless_the_policy_opens_it() -> None:
    policy = ViolationsPolicy(visible_to=(Role.SUBMITTER,), excerpt_chars=4)
    [own] = shown(ENTRIES, SUBMITTER, policy)  # folded: " Marketing" is marketing
    assert own["subject"] == "li.wei"
    assert set(own["violations"][0]) == {"at", "by", "codes"}
    opened = ViolationsPolicy(
        other_departments=True, excerpts_to=(Role.SUBMITTER,), excerpt_chars=4
    )
    assert len(shown(ENTRIES, SUBMITTER, opened)) == 2
    assert shown(ENTRIES, SUBMITTER, opened)[0]["violations"][0]["excerpt"] == "冬季特卖…"
    nobody = Principal("k3", "acme", Role.VIEWER, "x", None)
    assert shown(ENTRIES, nobody, policy) == []


def test_the_policy_file_names_roles_that_exist() -> None:
    loaded = Policy.model_validate({"violations": {"visible_to": ["viewer", "admin"]}})
    assert loaded.violations.visible_to == (Role.VIEWER, Role.ADMIN)
    with pytest.raises(ValidationError):
        Policy.model_validate({"violations": {"visible_to": ["everyone"]}})
