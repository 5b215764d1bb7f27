"""Intake: the front door. Validates, dedupes and passes requests on to review."""
