"""Types every contract model shares."""

import re
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

ID_PATTERN = r"^[A-Za-z0-9._:-]{1,128}$"
ID_PATTERN_RE = re.compile(ID_PATTERN)

Id = Annotated[str, StringConstraints(pattern=ID_PATTERN)]
"""An id: 1..128 characters from [A-Za-z0-9._:-]."""


# deliberate declaration: a public contract enum (docs/contract.md), one member per value
class Channel(StrEnum):
    APP_PUSH = "app_push"
    SMS = "sms"
    EMAIL = "email"
    IN_APP = "in_app"
    WEBHOOK = "webhook"
    SOCIAL = "social"
    """Herald's addition: social-media accounts (a WeChat official account's template messages)."""


class Model(BaseModel):
    """Base of every contract model: frozen, and unknown fields are ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore")
