"""Tracker: the delivery and engagement ledger, reports and the completion of requests."""
