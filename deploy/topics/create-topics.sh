#!/usr/bin/env bash
# Create Herald's topics on a Kafka cluster without Strimzi, with Kafka's own CLI.
# Matches herald.runtime.topics.DEFAULT_LAYOUT (tests/deploy checks it); existing topics
# are left alone. `python -m herald.devstack.topics` does the same from a Herald image.
#
#   KAFKA_BOOTSTRAP_SERVERS=kafka:9092 REPLICATION_FACTOR=3 deploy/topics/create-topics.sh
#   KAFKA_TOPICS=/opt/kafka/bin/kafka-topics.sh  (if it is not on PATH)
#   KAFKA_COMMAND_CONFIG=client.properties        (TLS/SASL settings, optional)
set -euo pipefail

bootstrap="${KAFKA_BOOTSTRAP_SERVERS:?set KAFKA_BOOTSTRAP_SERVERS}"
replication="${REPLICATION_FACTOR:-3}"
min_isr="${MIN_INSYNC_REPLICAS:-2}"
kafka_topics="${KAFKA_TOPICS:-kafka-topics.sh}"
extra=()
if [[ -n "${KAFKA_COMMAND_CONFIG:-}" ]]; then
  extra=(--command-config "$KAFKA_COMMAND_CONFIG")
fi
if (( replication < min_isr )); then
  min_isr="$replication"
fi

# create NAME PARTITIONS [KEY=VALUE ...]
create() {
  local name="$1" partitions="$2"
  shift 2
  local configs=(--config "min.insync.replicas=${min_isr}")
  for kv in "$@"; do
    configs+=(--config "$kv")
  done
  "$kafka_topics" --bootstrap-server "$bootstrap" "${extra[@]}" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor "$replication" "${configs[@]}"
}

create push.requests.v1 4 max.message.bytes=22020096
create push.recipients.v1 4 cleanup.policy=compact
create push.engagement.v1 4
create push.status.v1 4
create push.dlq.v1 1 retention.ms=2592000000 max.message.bytes=22020096
create push.accepted.v1 4 max.message.bytes=22020096
create push.approved.v1 4 max.message.bytes=22020096
create push.sends.v1 8
create push.sends_critical.v1 4
create push.outcomes.v1 8
create push.cancels.v1 4
create push.standing.v1 1 cleanup.policy=compact
create push.contacts.v1 4
create push.consent.v1 4
create push.template_reviews.v1 1
create push.template_reviewed.v1 1
