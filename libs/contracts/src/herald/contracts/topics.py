"""Every topic Herald reads or writes. Public ones are in the contract; the rest are ours."""

from enum import StrEnum


class Topic(StrEnum):
    # public (../shared/spec/contract.md)
    REQUESTS = "push.requests.v1"
    RECIPIENTS = "push.recipients.v1"
    ENGAGEMENT = "push.engagement.v1"
    STATUS = "push.status.v1"
    DLQ = "push.dlq.v1"
    CONSENT = "push.consent.v1"
    # internal
    ACCEPTED = "push.accepted.v1"
    APPROVED = "push.approved.v1"
    SENDS = "push.sends.v1"
    SENDS_CRITICAL = "push.sends_critical.v1"
    """Sends of critical pushes (`herald.contracts.critical`): their own fetch path."""
    OUTCOMES = "push.outcomes.v1"
    CANCELS = "push.cancels.v1"
    STANDING = "push.standing.v1"
    CONTACTS = "push.contacts.v1"
    TEMPLATE_REVIEWS = "push.template_reviews.v1"
    TEMPLATE_REVIEWED = "push.template_reviewed.v1"

    @property
    def is_public(self) -> bool:
        return self in _PUBLIC


_PUBLIC = frozenset(
    {Topic.REQUESTS, Topic.RECIPIENTS, Topic.ENGAGEMENT, Topic.STATUS, Topic.DLQ, Topic.CONSENT}
)
