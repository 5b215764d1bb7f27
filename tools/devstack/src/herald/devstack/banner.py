"""The banner `make run` prints on a terminal once everything is up: where things are,
and one command to try."""

from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

TRY_COMMAND = (
    "source .herald/dev-keys.env && curl -s localhost:{intake}/v1/requests"
    ' -H "Authorization: Bearer $HERALD_SUBMITTER_KEY"'
    " -H 'content-type: application/json' -d @docs/examples/push-request.json"
)
_WHAT = {
    "intake": "POST /v1/requests, GET /v1/requests/{id}",
    "review": "GET /v1/reviews?state=pending",
    "scheduler": "audiences and send times (no public API)",
    "dispatcher": "GET /v1/inbox/{recipient_id}",
    "tracker": "GET /v1/requests/{id}/report",
}


@dataclass(frozen=True)
class BannerFacts:
    ports: dict[str, int]
    kafka: str
    database_url: str
    keys_file: str
    tenant: str
    seconds: float
    demo: dict[str, str] = field(default_factory=dict)
    """Demo recipient id -> how it is reached; empty when the directory was not seeded."""
    portal_url: str | None = None
    """The departments' portal (intake's /portal/), listed above the console."""

    def url(self, service: str, path: str = "") -> str:
        return f"http://localhost:{self.ports[service]}{path}"

    @property
    def console_url(self) -> str:
        return self.url("review", "/console/")


def render_banner(facts: BannerFacts, colour: bool = True) -> str:
    bold, dim, reset = ("\x1b[1m", "\x1b[2m", "\x1b[0m") if colour else ("", "", "")
    rows = [f"{bold}Herald is running{reset} ({facts.seconds:.0f} s) for tenant {facts.tenant}"]
    rows += ["", f"{bold}services{reset}"]
    rows += [
        f"  {name:<11}{facts.url(name):<24}{dim}{_WHAT.get(name, '')}{reset}"
        for name in facts.ports
    ]
    rows.append(f"  {dim}each serves /healthz, /readyz and /metrics{reset}")
    rows += ["", f"{bold}in a browser{reset}"]
    if facts.portal_url:
        hint = "log in with a submitter, viewer or admin key"
        rows.append(f"  {'portal':<11}{facts.portal_url:<33}{dim}{hint}{reset}")
    rows.append(f"  {'console':<11}{facts.console_url:<33}{dim}log in with a reviewer key{reset}")
    rows += ["", f"{bold}underneath{reset}"]
    rows.append(f"  {'kafka':<11}{facts.kafka}")
    rows.append(f"  {'postgres':<11}{without_password(facts.database_url)}")
    rows.append(f"  {'dev keys':<11}{facts.keys_file}  {dim}one per role: source it{reset}")
    if facts.demo:
        people = ", ".join(f"{rid} ({how})" for rid, how in facts.demo.items())
        rows.append(f"  {'recipients':<11}{people}")
    rows += ["", f"{bold}try{reset} {dim}(then README.md, 'Your first push'){reset}"]
    rows.append("  " + TRY_COMMAND.format(intake=facts.ports["intake"]))
    width = max(len(_plain(r)) for r in rows)
    rule = dim + "─" * min(width, 100) + reset
    return "\n".join([rule, *rows, rule])


def without_password(url: str) -> str:
    """A database URL fit to print: the password, if any, masked."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def _plain(row: str) -> str:
    for code in ("\x1b[1m", "\x1b[2m", "\x1b[0m"):
        row = row.replace(code, "")
    return row
