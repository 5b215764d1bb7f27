"""`heraldctl submit --dry-run`: `POST /v1/requests?dry_run=true`, the answer as tables.

An intake without dry runs would ignore the query parameter and submit for real, so this
first reads intake's OpenAPI document: when it is served and its `POST /v1/requests`
declares no `dry_run` parameter, nothing is sent. Should an intake still answer 202
(accepted), that is reported loudly as a real submission. The exit code is 1 when any
request could not be dry-run or the answer says it is not `valid`.
"""

import json
from typing import Any

from herald.heraldctl.client import Api, RemoteError, problem_of
from herald.heraldctl.common import CommandError
from herald.heraldctl.render import Output, generic
from herald.heraldctl.requests_file import Checked


async def supports_dry_run(api: Api) -> bool | None:
    """True or False from intake's OpenAPI document; None when it is not served."""
    response = await api.send("GET", "/openapi.json")
    if response.status_code != 200:
        return None
    try:
        operation = response.json()["paths"]["/v1/requests"]["post"]
    except (ValueError, KeyError, TypeError):
        return None
    return any(p.get("name") == "dry_run" for p in operation.get("parameters", []))


async def run_all(
    out: Output, api: Api, items: list[Checked], *, invalid: list[dict[str, Any]]
) -> int:
    """Dry-run each valid request; `invalid` (left out) only joins the JSON answer."""
    if await supports_dry_run(api) is False:
        raise CommandError(
            f"intake at {api.base_url} does not support dry runs "
            "(POST /v1/requests has no dry_run parameter); nothing was sent"
        )
    reports: list[dict[str, Any]] = []
    failed = bool(invalid)
    for item in items:
        report = await _one(api, item)
        failed = failed or "error" in report or report.get("report", {}).get("valid") is False
        reports.append(report)
        if not out.as_json:
            _show(out, report)
    if out.as_json:
        out.json({"dry_run": reports, "invalid": invalid})
    return 1 if failed else 0


async def _one(api: Api, item: Checked) -> dict[str, Any]:
    body = json.dumps(item.body, ensure_ascii=False).encode()
    response = await api.send("POST", "/v1/requests", content=body, params={"dry_run": "true"})
    if response.status_code == 200:
        return {"request_id": item.request_id, "report": response.json()}
    if response.status_code == 202:
        error = RemoteError(
            202,
            "not_a_dry_run",
            "intake ignored dry_run and SUBMITTED the request for real",
            "it does not support dry runs; cancel the request if it must not go out",
        )
    else:
        error = problem_of(response)
    return {"request_id": item.request_id, "error": error.as_json()}


def _show(out: Output, report: dict[str, Any]) -> None:
    rid = report["request_id"]
    if "error" in report:
        e = report["error"]
        out.error(f"{rid}: {e['title']} (HTTP {e['status']}, {e['code']}): {e['detail'] or ''}")
        for fe in e["errors"]:
            out.error(f"  {fe.get('field')}: {fe.get('message')}")
        return
    out.line(f"dry run of {rid}: nothing was sent or stored", "bold")
    answer = dict(report["report"])
    figures: dict[str, str] = answer.pop("figures", None) or {}
    sample = answer.pop("sample", None)
    if isinstance(answer.get("schedule"), dict):
        answer["schedule"] = {k: v for k, v in answer["schedule"].items() if k != "figures"}
    out.show(*generic(answer))
    if sample:
        guessed = sorted(k for k, v in figures.items() if v == "extrapolated")
        out.line(
            f"timed a sample of {sample['timed']} of {sample['reachable']} reachable recipients "
            f"({sample['share']:.1%}); extrapolated from it: {', '.join(guessed) or '-'}",
            "yellow",
        )
