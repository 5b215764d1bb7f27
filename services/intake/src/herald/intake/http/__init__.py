"""Intake's HTTP API: `requests` (submit, read the latest status, cancel) and `dry_run`
(the answer of a dry run)."""
