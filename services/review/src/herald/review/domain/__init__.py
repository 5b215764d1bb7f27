"""Review's pure rules, no I/O: `decisions` (findings and policy in, a decision out),
`four_eyes` (who may decide on what they did not submit), `strikes` (the strike ladder),
`projection` (a request's texts as they will render), `sent_length` (SMS segments as
sent, tracked links included) and the violations `board` as a caller may see it."""

from herald.review.domain.decisions import (
    Decision,
    HumanDecision,
    decide,
    human_reasons,
    needs_human,
    reasons,
    recipients_of,
)
from herald.review.domain.four_eyes import may_decide, may_decide_on, submitter_of
from herald.review.domain.strikes import escalate, standing_for

__all__ = [
    "Decision",
    "HumanDecision",
    "decide",
    "escalate",
    "human_reasons",
    "may_decide",
    "may_decide_on",
    "needs_human",
    "reasons",
    "recipients_of",
    "standing_for",
    "submitter_of",
]
