"""The Postgres adapters of tracker's ports: `ledger` (bookkeeping and reads), `ingest`
(COPY and merge), `queries` (report SQL), `partitions` (created ahead, dropped by
retention)."""
