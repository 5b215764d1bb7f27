"""The local stack: a Kafka-compatible broker, Postgres and the five services on one machine.

Used by `make run` and by the integration and end-to-end tests. Not shipped in images.
"""
