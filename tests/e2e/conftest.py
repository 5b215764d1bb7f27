"""End-to-end tests use the session `stack` and `sink` (tests/support/stack.py)."""
