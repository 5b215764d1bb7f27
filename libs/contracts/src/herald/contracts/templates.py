"""Stored templates, as a request names one: which template, which version (or the
latest published), which locale, and the values of its `{{ values.<key> }}` placeholders.

Intake resolves a request that names a template into the content it carries (so review,
the scheduler and the dispatcher read a request as any other), and records here the
exact version and locale it used (`used_version`, `used_locale`: intake's, whatever a
submitter put there).
"""

from typing import Annotated

from pydantic import Field, StringConstraints

from herald.contracts.common import Id, Model

MAX_VALUES = 32
VALUE_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
VALUE_MAX = 1000
"""A value is text that will be sent: at most 1000 characters (and its text's channel
ceiling, as rendered)."""
LOCALE_PATTERN = r"^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8}){0,4}$"
"""A BCP 47 tag as far as Herald reads it: a language and up to four subtags."""
DEFAULT_LOCALE = "default"
MAX_VERSION = 2**31 - 1

ValueKey = Annotated[str, StringConstraints(pattern=VALUE_KEY_PATTERN)]
ValueText = Annotated[str, Field(max_length=VALUE_MAX)]
LocaleTag = Annotated[str, StringConstraints(pattern=LOCALE_PATTERN)]


class TemplateUse(Model):
    """`PushRequest.template`: a stored template and the values a request supplies."""

    name: Id
    version: int | None = Field(default=None, ge=1, le=MAX_VERSION)
    """The version asked for; none: the latest published (approved) one."""
    locale: LocaleTag | None = None
    """The locale whose texts to use, falling back along its chain (`zh-Hant-HK`,
    `zh-Hant`, `zh`, then the template's default texts)."""
    values: dict[ValueKey, ValueText] = Field(
        default_factory=dict,
        max_length=MAX_VALUES,
        json_schema_extra={"additionalProperties": False},
    )
    used_version: int | None = None
    """Set by intake: the exact version the request's content was made from."""
    used_locale: str | None = None
    """Set by intake: the locale whose texts were used (`default` for the default ones)."""


class TemplateRef(Model):
    """The exact template version a request was made from (`Status.template`)."""

    name: Id
    version: int
