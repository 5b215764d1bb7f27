"""The Postgres adapters of review's ports (parameterised SQL only): `reviews` (writes,
each audited in its transaction) over `reads`, and `standing`."""
