#!/bin/sh
# RabbitMQ policies of Rathaus Online, and the one queue they point at. Idempotent: run it
# after every broker (re)install or upgrade; running it again changes nothing.
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
# What policies cannot do, and so are not here:
# - Queue type. Quorum queues are chosen when a queue is declared (x-queue-type); a policy
#   can't turn a classic queue into a quorum queue, and nameko declares classic queues.
#   The same goes for delivery-limit, which exists only for quorum queues.
# - Limits on the handler queues (evt-*), the delay queues (rathaus.delay.*) and
#   rathaus.dead_letters: no max-length, no message-ttl, no expires. Each of them drops
#   or deletes events. Note in particular that "overflow: reject-publish" is no safe
#   backstop for evt-* queues: a retry comes back from its delay queue by dead-lettering,
#   and a classic queue's dead-lettering does not wait for confirms, so a full target
#   would silently drop the retried event. Dead letters wait for an operator
#   (`rathaus-dead-letters list|replay|discard`) however long that takes.
# - Mirroring (ha-mode): classic mirrored queues are deprecated in 3.x and gone in 4.0.
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
rmq declare queue name=rathaus.unroutable durable=true
rmq declare binding source=rathaus.unroutable destination=rathaus.unroutable \
    destination_type=queue routing_key=""

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
# longest RPC timeout of any caller: raise both together. (nameko's request queues are
# rpc-<service>; its reply queues, rpc.reply-*, expire by themselves.)
rmq declare policy name=rathaus-rpc-requests \
    pattern='^rpc-[a-z_]+$' apply-to=queues priority=10 \
    definition='{"message-ttl": 30000}'

echo "policies.sh: policies applied on vhost $vhost at $host:$port"
