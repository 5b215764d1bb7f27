"""The dispatcher's pure rules, no I/O: what a send can come to (`outcomes`), consent at
the last moment (`consent`), rendering (`rendering`) with tracking links (`links`),
backoff and circuit breakers (`resilience`), and SMS receipts (`receipts`)."""
