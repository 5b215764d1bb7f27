"""Settings: flags over environment over config file over defaults.

The defaults are the local stack's (`make run`, docs/contract.md). The config file is TOML
with the same names as the flags (`api_key`, `api_key_file`, `intake_url`, `review_url`,
`tracker_url`, `dispatcher_url`, `bootstrap_servers`, `topic_prefix`), plus the producer
credential that
signs what heraldctl publishes to Kafka (`producer_id`, `producer_secret`; environment
`HERALD_PRODUCER_ID`, `HERALD_PRODUCER_SECRET`, as `make run` writes them to
`.herald/dev-keys.env`). The API key and the producer secret are secrets: never printed,
and `describe` shows only where they came from (`keys` says from where the key may).
"""

import os
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from herald.heraldctl import keys

ENV = {
    "api_key": "HERALD_API_KEY",
    "api_key_file": "HERALD_API_KEY_FILE",
    "intake_url": "HERALD_INTAKE_URL",
    "review_url": "HERALD_REVIEW_URL",
    "tracker_url": "HERALD_TRACKER_URL",
    "dispatcher_url": "HERALD_DISPATCHER_URL",
    "bootstrap_servers": "KAFKA_BOOTSTRAP_SERVERS",
    "topic_prefix": "HERALD_TOPIC_PREFIX",
    "producer_id": "HERALD_PRODUCER_ID",
    "producer_secret": "HERALD_PRODUCER_SECRET",
}
SECRETS = ("api_key", "producer_secret")
DEFAULTS = {
    "api_key": "",
    "api_key_file": "",
    "intake_url": "http://127.0.0.1:8001",
    "review_url": "http://127.0.0.1:8002",
    "tracker_url": "http://127.0.0.1:8005",
    "dispatcher_url": "http://127.0.0.1:8004",
    "bootstrap_servers": "127.0.0.1:9092",
    "topic_prefix": "",
    "producer_id": "",
    "producer_secret": "",
}


_BOTH = {
    "flag": "--api-key and --api-key-file",
    "env": "HERALD_API_KEY and HERALD_API_KEY_FILE",
}


class ConfigError(Exception):
    """The configuration cannot be used (a usage error: exit code 2)."""


@dataclass(frozen=True)
class Settings:
    api_key: str = ""
    api_key_file: str = ""
    intake_url: str = DEFAULTS["intake_url"]
    review_url: str = DEFAULTS["review_url"]
    tracker_url: str = DEFAULTS["tracker_url"]
    dispatcher_url: str = DEFAULTS["dispatcher_url"]
    bootstrap_servers: str = DEFAULTS["bootstrap_servers"]
    topic_prefix: str = ""
    producer_id: str = ""
    producer_secret: str = ""
    sources: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    warnings: tuple[str, ...] = field(default=(), compare=False, repr=False)
    """What the user should fix (a key on the command line, a key file others can read)."""

    def __repr__(self) -> str:  # keeps the key out of tracebacks and logs
        shown = {f.name: getattr(self, f.name) for f in fields(self) if f.repr}
        for name in SECRETS:
            shown[name] = "***" if shown[name] else ""
        return f"Settings({shown})"

    def topic(self, name: str) -> str:
        return self.topic_prefix + name

    def describe(self) -> dict[str, dict[str, str]]:
        """Each setting with its source; the secrets only as set / not set."""
        out = {}
        for name in ENV:
            value = getattr(self, name)
            if name in SECRETS:
                value = "(set)" if value else "(not set)"
            out[name] = {"value": value, "source": self.sources.get(name, "default")}
        return out


def default_config_path(env: dict[str, str]) -> Path:
    base = env.get("XDG_CONFIG_HOME") or str(Path(env.get("HOME", "~")).expanduser() / ".config")
    return Path(base) / "heraldctl.toml"


def read_config_file(path: Path, *, required: bool) -> dict[str, str]:
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} does not exist")
        return {}
    try:
        data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"config file {path}: {exc}") from exc
    unknown = sorted(set(data) - set(ENV))
    if unknown:
        raise ConfigError(f"config file {path}: unknown keys {', '.join(unknown)}")
    return {k: str(v) for k, v in data.items()}


def load_settings(
    flags: dict[str, str | None],
    config_path: Path | None = None,
    env: dict[str, str] | None = None,
) -> Settings:
    """Merge the four layers; later layers only fill what earlier ones left unset."""
    env = dict(os.environ) if env is None else env
    path = config_path or default_config_path(env)
    layers = (
        ("flag", {k: v for k, v in flags.items() if v is not None}),
        ("env", {k: env[v] for k, v in ENV.items() if env.get(v)}),
        (f"file {path}", read_config_file(path, required=config_path is not None)),
    )
    values: dict[str, str] = {}
    sources: dict[str, str] = {}
    for source, layer in layers:
        for name, value in layer.items():
            if name in ENV and name not in values:
                values[name], sources[name] = value, source
    for name in ("intake_url", "review_url", "tracker_url", "dispatcher_url"):
        if name in values:
            values[name] = values[name].rstrip("/")
    values.pop("api_key", None)
    values.pop("api_key_file", None)
    key, key_file, warnings = _key(layers, path, sources)
    return Settings(
        **values, api_key=key, api_key_file=key_file, sources=sources, warnings=tuple(warnings)
    )


def _key(
    layers: tuple[tuple[str, dict[str, str]], ...], config: Path, sources: dict[str, str]
) -> tuple[str, str, list[str]]:
    """The key from the first layer that gives one (a key or a key file, not both), with
    the warnings its source deserves; `sources` is corrected to say where it came from."""
    for source, layer in layers:
        key, key_file = layer.get("api_key"), layer.get("api_key_file")
        if key and key_file:
            raise ConfigError(f"{_BOTH.get(source, source)}: give the key or a key file, not both")
        sources.pop("api_key", None)
        sources.pop("api_key_file", None)
        try:
            if key_file:
                path = Path(key_file).expanduser()
                found, warnings = keys.read_key_file(path)
                sources["api_key"] = f"key file {path} ({source})"
                sources["api_key_file"] = source
                return found, str(path), warnings
            if key:
                keys.check(key, f"the API key ({source})")
                sources["api_key"] = source
                if source == "flag":
                    return key, "", [keys.FLAG_WARNING]
                if source.startswith("file "):
                    return key, "", keys.exposed(config, "config file (it holds the API key)")
                return key, "", []
        except keys.KeyProblem as exc:
            raise ConfigError(str(exc)) from None
    return "", "", []
