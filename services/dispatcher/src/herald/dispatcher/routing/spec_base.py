"""What every provider spec builds on: secret references and limits."""

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, SecretStr


class SecretRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    env: str | None = None
    file: str | None = None

    def resolve(self) -> SecretStr:
        if self.env:
            value = os.environ.get(self.env)
            if value is None:
                raise ValueError(f"secret env var {self.env} is not set")
            return SecretStr(value)
        if self.file:
            return SecretStr(Path(self.file).read_text(encoding="utf-8").strip())
        raise ValueError("a secret is {'env': NAME} or {'file': PATH}")


class Limits(BaseModel):
    """What every provider spec accepts."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    rate_per_s: float | None = None
    """Token bucket across the whole deployment; each replica takes rate / replicas."""
    burst: int | None = None
    concurrency: int = 32
    timeout_s: float = 10.0
