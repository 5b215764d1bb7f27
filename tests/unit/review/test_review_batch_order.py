"""Which reviews of one fetched batch may overlap: only those no standing links."""

from tests.unit.review.builders import envelope, push

from herald.contracts.internal import Submitter
from herald.review.handlers import _linked_by_standing


def by(user: str, department: str) -> Submitter:
    return Submitter(user=user, department=department, credential="k", via="http")


def test_reviews_sharing_a_requester_or_department_run_in_order_others_may_overlap() -> None:
    envs = {
        "a1": envelope(push("a1"), submitter=by("li.wei", "marketing")),
        "a2": envelope(push("a2"), submitter=by("li.wei", "marketing")),
        "b": envelope(push("b"), submitter=by("zhang.min", "sales")),
        "c": envelope(push("c"), submitter=by("wang.fang", "sales")),  # b's department
        "d": envelope(push("d"), submitter=by("li.wei", "support")),  # a's requester
        "e": envelope(push("e"), submitter=by("chen.jie", "ops")),
        "f": envelope(push("f", tenant="other"), submitter=by("chen.jie", "ops")),
    }
    key = _linked_by_standing(list(envs.values()))
    k = {rid: key(e) for rid, e in envs.items()}
    assert k["a1"] == k["a2"] == k["d"]
    assert k["b"] == k["c"]
    assert len({k["a1"], k["b"], k["e"], k["f"]}) == 4
