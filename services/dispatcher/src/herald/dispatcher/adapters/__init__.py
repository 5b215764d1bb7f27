"""The dispatcher's Postgres adapters (`postgres`); the providers, its other outside-world
clients, are in `providers/`."""
