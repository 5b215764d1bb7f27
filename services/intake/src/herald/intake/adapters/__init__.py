"""Intake's adapters: Postgres storage and the dry run's HTTP advisers."""
