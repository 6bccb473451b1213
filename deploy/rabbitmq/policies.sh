#!/bin/sh
# RabbitMQ policies of Rathaus Online, and the queues they and the brokers point at.
# Idempotent: run it after every broker (re)install or upgrade; running it again changes
# nothing. deploy/k8s/base/rabbitmq/topology.yaml says the same to the RabbitMQ Messaging
# Topology Operator (tests/deployment/test_rabbitmq_topology.py keeps the two in step).
#
# It talks to the management HTTP API with rabbitmqadmin (shipped, with python3, in the
# rabbitmq:3.13-management image; on other installs fetch it from
# http://BROKER:15672/cli/rabbitmqadmin). Needs the management plugin:
#   rabbitmq-plugins enable rabbitmq_management rabbitmq_prometheus
# (deploy/rabbitmq/enabled_plugins does that for the compose file.)
#
#   docker compose run --rm rabbitmq-setup                   # what `docker compose up` runs
#   RABBITMQ_HOST=broker RABBITMQ_USER=admin RABBITMQ_PASSWORD=... RABBITMQ_VHOST=/ \
#     sh deploy/rabbitmq/policies.sh
#
# Every durable queue of the platform is a quorum queue (replicated over the cluster's
# nodes). The services declare theirs with the arguments they need (services/common/
# topology.py): x-queue-type quorum; on the handler queues (evt-*) a delivery limit whose
# poison messages go to rathaus.dead_letters under the service's name, dead-lettered
# at-least-once; on the RPC request queues (rpc-*) a delivery limit; on the delay queues
# (rathaus.delay.*) their TTL and the way back to the handler queue, dead-lettered
# at-least-once. A queue's type and arguments are fixed when it is declared: a broker that
# still holds classic queues of an older version is moved with `rathaus-broker
# migrate-queues` (deploy/README.md), not by a policy.
#
# What policies must not do, and so are not here:
# - Limits on the handler queues (evt-*), the delay queues (rathaus.delay.*) and
#   rathaus.dead_letters: no max-length, no message-ttl, no expires. Each of them drops
#   or deletes events. (The services' queues carry "overflow: reject-publish" only because
#   at-least-once dead-lettering requires it; without a length limit it rejects nothing.)
#   Dead letters wait for an operator (`rathaus-dead-letters list|replay|discard`) however
#   long that takes.
# - delivery-limit or dead-letter keys: the services' queue arguments set them, and a
#   policy that set them too would silently win or lose depending on the key.
# - Mirroring (ha-mode): classic mirrored queues are deprecated in 3.x and gone in 4.0;
#   quorum queues replicate.
#
# Only one policy applies to a queue or exchange: the matching one with the highest
# priority. Keep your own policies' patterns clear of these names, or give them lower
# priority and merge these keys into them.
set -eu

host="${RABBITMQ_HOST:-localhost}"
port="${RABBITMQ_MANAGEMENT_PORT:-15672}"
vhost="${RABBITMQ_VHOST:-/}"
user="${RABBITMQ_USER:-${RABBITMQ_DEFAULT_USER:-guest}}"
password="${RABBITMQ_PASSWORD:-${RABBITMQ_DEFAULT_PASS:-guest}}"
admin="${RABBITMQADMIN:-rabbitmqadmin}"

rmq() {
    "$admin" --host="$host" --port="$port" --vhost="$vhost" \
        --username="$user" --password="$password" "$@"
}

# the management API answers a little after the broker's AMQP port does
tries=0
until rmq list vhosts name > /dev/null 2>&1; do
    tries=$((tries + 1))
    if [ "$tries" -ge "${RABBITMQ_WAIT_TRIES:-30}" ]; then
        echo "policies.sh: no management API at http://$host:$port (vhost $vhost)" >&2
        rmq list vhosts name # shows the error
        exit 1
    fi
    sleep 2
done

# rathaus.unroutable: where a message goes that no queue would have taken. Without it
# RabbitMQ confirms such a publish and drops the message, so the outbox marks the event
# sent and it is gone. It happens when an event is published before the consuming
# service's handler queue exists (a service never started yet on a fresh broker), and
# when a retry returns for a handler queue that was deleted or renamed. No limits, as
# for the dead letters: look at it in the management UI (Queues > rathaus.unroutable >
# Get messages), move what should be handled with a shovel, purge the rest. An event type
# that nobody consumes gathers here too: a contract without a consumer.
rmq declare exchange name=rathaus.unroutable type=fanout durable=true
rmq declare queue name=rathaus.unroutable durable=true arguments='{"x-queue-type": "quorum"}'
rmq declare binding source=rathaus.unroutable destination=rathaus.unroutable \
    destination_type=queue routing_key=""

# rathaus.dead_letters: every service's dead letters, from its handlers after the last retry
# and from the broker for a poison message, with the service's name as routing key. One
# queue for the operators' tools; bind a queue of your own with a service's name as pattern
# to watch one service's dead letters. (The services declare the same when they start.)
rmq declare exchange name=rathaus.dead_letters type=topic durable=true
rmq declare queue name=rathaus.dead_letters durable=true arguments='{"x-queue-type": "quorum"}'
rmq declare binding source=rathaus.dead_letters destination=rathaus.dead_letters \
    destination_type=queue routing_key="#"

# rathaus-unroutable: every service's event exchange (<service>.events, declared by nameko)
# and the retry exchange (rathaus.redeliver) hand unroutable messages to rathaus.unroutable.
# Not <service>.transient, on purpose: a transient event (the clerks' live stream) that no
# queue takes while no gateway runs is no loss; it comes back to the publisher, which drops
# and counts it (rathaus_events_dropped_total).
rmq declare policy name=rathaus-unroutable \
    pattern='^([a-z_]+\.events|rathaus\.redeliver)$' apply-to=exchanges priority=10 \
    definition='{"alternate-exchange": "rathaus.unroutable"}'

# rathaus-rpc-requests: an RPC request that waited longer than any caller does is dropped
# instead of run. Its caller has already given up (RPC_TIMEOUT, 10 s by default) and
# told the citizen it failed; running it minutes later, when a stopped service comes back,
# would book the appointment the citizen was told was not booked. Keep the TTL above the
# longest RPC timeout of any caller: raise both together. (The request queues are
# rpc-<service>, quorum queues, which take message-ttl from a policy since RabbitMQ 3.10;
# the reply queues, rpc.reply-*, are classic, not durable, and expire by themselves.)
rmq declare policy name=rathaus-rpc-requests \
    pattern='^rpc-[a-z_]+$' apply-to=queues priority=10 \
    definition='{"message-ttl": 30000}'

echo "policies.sh: policies applied on vhost $vhost at $host:$port"
