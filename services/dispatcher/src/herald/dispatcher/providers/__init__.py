"""Providers: one small interface, one module per protocol."""
