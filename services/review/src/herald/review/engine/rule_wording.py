"""The learned second opinion: hold for a human what no dictionary entry names.

Runs only when the dictionaries matched nothing that judges this request (their findings
are never changed), scores each of the request's plain texts of at least `MIN_CHARS`
characters on its own (its fold and its words; see wording_model), as the model was
trained on single texts: a title does not dilute a body's wording. At or above the
policy's threshold the highest-scoring text holds the request (never blocks), naming the
model, its score and the category it leans to.
"""

from collections.abc import Callable

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.normalize import fold
from herald.review.engine.reading import Reading
from herald.review.engine.terms import TermMatcher
from herald.review.engine.wording_model import WordingModel, shipped
from herald.review.policy import WordingPolicy

RULE = "plain_wording"
MIN_CHARS = 10
"""Shorter texts (a title, a button) are scored only when no text is this long."""
_SEPARATOR = "\x01"
"""What the fold makes of the NUL that joins the plain texts."""


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
    score, leaning, field = _best(model, reading)
    if score < policy.threshold:
        return []
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


def _best(model: WordingModel, reading: Reading) -> tuple[float, str, str]:
    """The highest score of the long plain texts, its leaning and its field."""
    folded = reading.folded.text.split(_SEPARATOR)
    if len(folded) != len(reading.plain):  # a text held the separator itself
        folded = [fold(p.text).text for p in reading.plain]
    pairs = zip(reading.plain, folded, strict=True)
    pieces = [(p, f) for p, f in pairs if len(p.text) >= MIN_CHARS]
    if not pieces:
        score, leaning = model.score(reading.joined, reading.folded.text)
        return score, leaning, max(reading.plain, key=lambda p: len(p.text)).field
    scored = [(*model.score(p.text, f), p.field) for p, f in pieces]
    return max(scored, key=lambda s: s[0])
