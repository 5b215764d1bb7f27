"""Review's adapters: Postgres storage, and the term dictionaries on disk."""
