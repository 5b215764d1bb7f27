"""Adapters of the scheduler's ports (`herald.scheduler.ports`)."""
