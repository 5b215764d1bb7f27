"""Dispatcher's HTTP API: `inbox` (the in-app inbox and generic SMS delivery receipts) and
`sms_callbacks` (the China SMS vendors' receipts and replies). The opt-out pages and their
audit live with the opt-out flow (`herald.dispatcher.optout.http`)."""
