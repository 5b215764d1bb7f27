"""The stable, machine-readable reason codes of the contract."""

from enum import StrEnum


class ReasonCode(StrEnum):
    INVALID_REQUEST = "invalid_request"
    DUPLICATE = "duplicate"
    UNAUTHORIZED = "unauthorized"
    REQUESTER_RESTRICTED = "requester_restricted"
    SENSITIVE_CONTENT = "sensitive_content"
    UNSAFE_LINK = "unsafe_link"
    UNSAFE_MARKUP = "unsafe_markup"
    MISSING_SOURCE = "missing_source"
    CHANNEL_FORMAT = "channel_format"
    PERSONAL_DATA = "personal_data"
    REVIEWER_REJECTED = "reviewer_rejected"
    QUIET_HOURS_DEFERRED = "quiet_hours_deferred"
    BLACKOUT_DEFERRED = "blackout_deferred"
    FREQUENCY_CAPPED = "frequency_capped"
    OPTED_OUT = "opted_out"
    NO_CONTACT = "no_contact"
    EXPIRED = "expired"
    PROVIDER_FAILED = "provider_failed"
    RATE_LIMITED = "rate_limited"
    # extensions (v1, added): HTTP errors no code above fits
    NOT_FOUND = "not_found"
    INTERNAL_ERROR = "internal_error"
    UNAVAILABLE = "unavailable"
