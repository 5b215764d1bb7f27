"""The dispatcher's adapters: Postgres (`postgres`: the ledger and views; `vendor_store`:
the vendors' shared tokens, refs and replies; `erasure`) and review's policy file
(`review_rules`); the providers, its other outside-world clients, are in `providers/`."""
