"""The learned second opinion: hold for a human what no dictionary entry names.

Runs only when the dictionaries matched nothing that judges this request (their findings
are never changed), scores the request's plain texts joined (their fold and their words;
see wording_model) and, at or above the policy's threshold, holds it (never blocks),
naming the model, its score and the category it leans to.
"""

from collections.abc import Callable

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.reading import Reading
from herald.review.engine.terms import TermMatcher
from herald.review.engine.wording_model import WordingModel, shipped
from herald.review.policy import WordingPolicy

RULE = "plain_wording"


def plain_wording(
    matcher: TermMatcher,
    reading: Reading,
    policy: WordingPolicy,
    applies: Callable[[str], bool] = bool,
    model: WordingModel | None = None,
) -> list[Finding]:
    """A hold when the model scores the texts at or above `policy.threshold`."""
    if any(applies(hit.entry.category) for hit in reading.scan(matcher)[0]):
        return []
    model = model or shipped()
    score, leaning = model.score(reading.joined, reading.folded.text)
    if score < policy.threshold:
        return []
    field = max(reading.plain, key=lambda p: len(p.text)).field
    return [
        Finding(
            rule=RULE,
            code=ReasonCode.SENSITIVE_CONTENT,
            severity=Severity.HOLD,
            field=field,
            evidence=f"model {model.name} scored {score:.2f} (threshold {policy.threshold:.2f})"
            + (f", leaning to {leaning}" if leaning else ""),
            message=f"no dictionary entry matched, but the wording reads like "
            f"{leaning or 'a violation'} (learned second opinion {model.name})",
            category=leaning,
            entries=(model.name,),
        )
    ]
