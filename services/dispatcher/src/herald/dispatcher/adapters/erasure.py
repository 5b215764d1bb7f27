"""Erasing recipients from the dispatcher's tables (a tombstone on push.recipients.v1).

Their inbox messages go; the outcomes kept for redelivered sends lose the recipient's
id and detail (counts stay, as in the tracker); their consent row goes; the opt-outs they
made through Herald stay as a suppression list and their audited consent changes as
evidence, both under the SHA-256 of the id (`sha256:<hex>`), never the id (an announcement
still pending is dropped); and a marker
holding the SHA-256 of the id (never the id) stops any send still on its way. A send
parked for a retry is made due at once: its next attempt finds the marker and ends
`suppressed` (`opted_out`), which removes the parked row. A profile for the same id
later (the id in use again) removes the marker and brings the opt-outs back to the id,
so a recipient who opted out is not marketed to again.
"""

from collections.abc import Sequence

import asyncpg

DIGEST = "encode(sha256(convert_to({}, 'UTF8')), 'hex')"

_HASHED = "'sha256:' || " + DIGEST.format("x.id")


def _move_opt_outs(into: str, where: str) -> tuple[str, str]:
    """Moves a recipient's opt-outs between their id and its digest (`sha256:<hex>`)."""
    return (
        f"""INSERT INTO dispatcher.opt_outs (tenant, recipient_id, category, channel, source, at)
           SELECT t.tenant, {into}, t.category, t.channel, t.source, t.at
           FROM dispatcher.opt_outs t JOIN unnest($1::text[], $2::text[]) AS x(tenant, id)
             ON t.tenant = x.tenant AND t.recipient_id = {where}
           ON CONFLICT DO NOTHING""",  # noqa: S608 - constants
        f"""DELETE FROM dispatcher.opt_outs t
            USING unnest($1::text[], $2::text[]) AS x(tenant, id)
            WHERE t.tenant = x.tenant AND t.recipient_id = {where}""",  # noqa: S608
    )


_ERASE = (
    """DELETE FROM dispatcher.inbox t USING unnest($1::text[], $2::text[]) AS x(tenant, id)
       WHERE t.tenant = x.tenant AND t.recipient_id = x.id""",
    """UPDATE dispatcher.deliveries t
       SET outcome = t.outcome || '{"recipient_id": null, "detail": ""}'::jsonb,
           updated_at = now()
       FROM unnest($1::text[], $2::text[]) AS x(tenant, id)
       WHERE t.outcome IS NOT NULL AND t.tenant = x.tenant
         AND t.outcome->>'recipient_id' = x.id""",
    """UPDATE dispatcher.retries t SET not_before = now()
       FROM unnest($1::text[], $2::text[]) AS x(tenant, id)
       WHERE t.tenant = x.tenant AND t.send->>'recipient_id' = x.id""",
    """DELETE FROM dispatcher.consent t USING unnest($1::text[], $2::text[]) AS x(tenant, id)
       WHERE t.tenant = x.tenant AND t.recipient_id = x.id""",
    *_move_opt_outs(into=_HASHED, where="x.id"),
    f"""UPDATE dispatcher.consent_audit t SET recipient_id = {_HASHED}, announced = true
        FROM unnest($1::text[], $2::text[]) AS x(tenant, id)
        WHERE t.tenant = x.tenant AND t.recipient_id = x.id""",  # noqa: S608 - constant
    f"""INSERT INTO dispatcher.erased (tenant, digest)
        SELECT x.tenant, {DIGEST.format("x.id")}
        FROM unnest($1::text[], $2::text[]) AS x(tenant, id)
        ON CONFLICT (tenant, digest) DO UPDATE SET at = now()""",  # noqa: S608 - constant
)

_RESTORE = (
    f"""DELETE FROM dispatcher.erased t USING unnest($1::text[], $2::text[]) AS x(tenant, id)
        WHERE t.tenant = x.tenant AND t.digest = {DIGEST.format("x.id")}""",  # noqa: S608
    *_move_opt_outs(into="x.id", where=_HASHED),
)

CONSENT = f"""SELECT k.tenant, k.id, c.tenant AS own, c.marketing,
        NULLIF(c.channels, '{{}}'::jsonb) AS channels, c.erased,
        EXISTS (SELECT 1 FROM dispatcher.erased e
                WHERE e.tenant IN (k.tenant, '') AND e.digest = {DIGEST.format("k.id")}) AS marked
    FROM unnest($1::text[], $2::text[]) AS k(tenant, id)
    LEFT JOIN dispatcher.consent c ON c.recipient_id = k.id AND c.tenant IN (k.tenant, '')
    ORDER BY c.tenant <> '' NULLS FIRST"""  # noqa: S608 - constant
"""Each (tenant, id)'s consent rows (its tenant's last; none: `own` NULL) and whether an
erasure marker holds it (a marker of `''` erased the id in every tenant, as tombstones
did before they were tenant-scoped). An empty `channels` map (most profiles) comes back
NULL: no JSON to decode for it on every send."""


async def erase(conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]) -> None:
    if keys:
        tenants, ids = [t for t, _ in keys], [r for _, r in keys]
        for sql in _ERASE:
            await conn.execute(sql, tenants, ids)


async def restore(conn: asyncpg.Connection, keys: Sequence[tuple[str, str]]) -> None:
    if keys:
        tenants, ids = [t for t, _ in keys], [r for _, r in keys]
        for sql in _RESTORE:
            await conn.execute(sql, tenants, ids)
