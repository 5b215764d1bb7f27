"""Review's HTTP entrypoints: `reviews` (queue, decisions, audit), `standing`, `dry_run`
(`POST /v1/dry-run`) and the reviewers' `console` (server-rendered pages)."""
