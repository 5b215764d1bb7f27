"""Status callbacks' adapters: Postgres (subscriptions, the outbox) and the pinned poster."""
