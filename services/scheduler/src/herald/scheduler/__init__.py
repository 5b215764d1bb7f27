"""Scheduler: expands audiences, times each send, and releases sends when they are due."""
