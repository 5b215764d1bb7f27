"""Tracker's adapters: Postgres (`postgres/`: the ledger, ingestion, report queries,
partitions) and Kafka (`kafka_lag`: consumer lag)."""
