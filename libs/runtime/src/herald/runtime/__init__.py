"""What every Herald service shares: settings, logging, Kafka, Postgres, HTTP shell, DLQ."""
