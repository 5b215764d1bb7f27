"""Stored templates: versions per tenant with per-channel and per-locale texts, published
through review, and resolved into the content of the requests that name them."""
