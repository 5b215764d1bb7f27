"""Four eyes: who submitted a request, and who may decide on it."""

from herald.contracts.internal import RequestEnvelope, Submitter
from herald.runtime.identity import same_person


def submitter_of(envelope: RequestEnvelope) -> Submitter:
    """Who submitted the request, as its credential said; for an envelope from before
    intake recorded that, the body's requester (with no credential)."""
    if envelope.submitter is not None:
        return envelope.submitter
    named = envelope.request.requester
    return Submitter(user=named.user, department=named.department, credential="", via="body")


def may_decide(user: str, key_id: str, submitter: Submitter) -> bool:
    """Four eyes: nobody decides what they submitted, under any name or key: not the
    same user (case, spacing and Unicode form aside), not the key it came with."""
    if same_person(user, submitter.user):
        return False
    return not (submitter.via == "http" and key_id == submitter.credential)


def may_decide_on(user: str, key_id: str, envelope: RequestEnvelope | None) -> bool:
    """Four eyes on a stored review (one without a request is never pending anyway)."""
    return envelope is None or may_decide(user, key_id, submitter_of(envelope))
