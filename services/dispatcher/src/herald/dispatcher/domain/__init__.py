"""The dispatcher's pure rules, no I/O: what a send can come to (`outcomes`), consent at
the last moment (`consent`), rendering (`rendering`) with tracking links (`links`), the
last check of the final message (`final_check`, with `reviewed`: what review saw),
backoff and circuit breakers (`resilience`), and SMS receipts (`receipts`)."""
