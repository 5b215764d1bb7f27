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


async def test_a_batch_by_one_submitter_is_decided_as_one_after_another() -> None:
    from tests.unit.review.harness import Harness
    from tests.unit.review.test_review_pipeline import GAMBLING

    batch = [
        envelope(push("ok-1")),
        envelope(push("warn-1", content=GAMBLING)),
        envelope(push("warn-2", category="marketing")),  # judged after warn-1's strike
        envelope(push("ok-2")),
        envelope(push("warn-3", content=GAMBLING)),
        envelope(push("ok-3", category="marketing")),
    ]
    one_by_one, together = Harness(), Harness()
    for e in batch:
        await one_by_one.reviewer.review(e)
    await together.reviewer.review_linked(batch, at_once=4)
    for e in batch:
        rid = e.request.request_id
        assert together.statuses(rid) == one_by_one.statuses(rid), rid
    assert together.standing_events() == one_by_one.standing_events()
    assert one_by_one.statuses("warn-2") == ["pending_review"]  # the strike counted
