"""Status callbacks: a tenant or department registers URLs, and every status of their
requests (and every change of standing of their people) is POSTed there, signed,
retried with backoff, through the runtime's pinned egress (docs/callbacks.md).

- `domain`: subscriptions, who may manage which, what is delivered to whom (pure);
- `signing`: the `Herald-Signature` header and its verification (pure);
- `retrying`: when to try again, and when to give up (pure);
- `ports`: the store and the poster (Protocols);
- `outbox`: statuses and standing changes in, deliveries queued (idempotent);
- `sender`: the loop step that sends what is due;
- `subscriptions`: registering, rotating, enabling, replaying;
- `settings`, `metrics`.
"""
