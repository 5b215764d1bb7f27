"""Scheduler's HTTP entrypoints: `dry_run` (`POST /v1/dry-run`) and `recipients`
(`GET /v1/recipients/{recipient_id}`); health and metrics come from the runtime."""
