"""Where the API key comes from, keeping it out of the process list and out of output.

In order: `--api-key-file` or `--api-key` (the flag works, with a warning: anyone on the
machine can read a command line, e.g. in `ps`), `HERALD_API_KEY_FILE` or
`HERALD_API_KEY`, `api_key_file` or `api_key` in the config file, and last a prompt
(`getpass`, nothing echoed) when stdin is a terminal. A key file (and a config file that
holds a key) that other users may read is used, with a warning to `chmod 600` it.
A key is never printed: errors name the file it came from, never its content.
"""

import getpass
import re
import stat
import sys
from pathlib import Path

PROMPT = "Herald API key: "
FLAG_WARNING = (
    "--api-key puts the key on the command line, where other users of this machine can "
    "see it (ps, /proc): use HERALD_API_KEY, --api-key-file FILE or the prompt instead"
)
_KEY = re.compile(r"[\x21-\x7e]+")  # visible ASCII: what fits in an Authorization header


class KeyProblem(Exception):  # noqa: N818 - a usage error, not a bug
    """The key cannot be used (a usage error); the message never holds the key."""


def read_key_file(path: Path) -> tuple[str, list[str]]:
    """The key in `path` (surrounding whitespace dropped), and warnings about the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KeyProblem(f"API key file {path}: {exc.strerror or 'cannot be read'}") from None
    try:
        key = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise KeyProblem(f"API key file {path} is not UTF-8 text") from None
    if not key:
        raise KeyProblem(f"API key file {path} is empty")
    check(key, f"the API key in {path}")
    return key, exposed(path, "API key file")


def exposed(path: Path, what: str) -> list[str]:
    """A warning if users other than the owner may read or change `path`."""
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return []
    if mode & 0o077:
        return [
            f"{what} {path} can be read by other users of this machine (mode {mode:03o}): "
            f"chmod 600 {path}"
        ]
    return []


def check(key: str, where: str) -> None:
    """A key with whitespace or non-ASCII characters is no key (and would end up quoted in
    an HTTP library's error message): refuse it without showing it."""
    if not _KEY.fullmatch(key):
        raise KeyProblem(
            f"{where} has characters no API key has (spaces, control characters or non-ASCII)"
        )


def prompt() -> str | None:
    """Ask at the terminal when there is one (stdin a TTY); None otherwise."""
    if not sys.stdin.isatty():
        return None
    try:
        key = getpass.getpass(PROMPT).strip()
    except (EOFError, KeyboardInterrupt):
        return None
    if key:
        check(key, "the API key typed")
    return key or None
