"""The bench's peer as Celery runs it: a webhook fan-out built the way Open Notificaties
builds its own, and the event bench's ledger-to-tally pipeline as Celery tasks.

Loaded by `celery -A bench.celery_tasks worker --pool prefork --concurrency 2` (started by
bench/celery_peer.py, addresses in PEER_* variables) and by the bench that sends the tasks.
As Open Notificaties configures Celery: tasks acknowledged late (after they ran), publisher
confirms on every send, JSON. Each worker process keeps one PostgreSQL connection per
database (Django's persistent connections) and one `requests` session.

Webhooks: `fan_out` takes an event, reads the subscriptions that want its type and sends a
`deliver` task per subscription; `deliver` POSTs the signed body and writes a delivery-log
row, retried with back-off on a connection error or a 5xx.
Pipeline: the sender writes an entry and sends `count_entry`, which writes the tally row
once (a redelivered task counts nothing twice: the entry is the tally's key); from Celery's
classic queue, or (PEER_QUEUE=quorum) from a quorum queue with a delivery limit as ours.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from typing import Any

import psycopg2
import requests
from celery import Celery
from kombu import Queue

from services.common.topology import DELIVERY_LIMIT

QUEUE = "bench.peer"
# the queue as ours are (replicated, a delivery limit), taken with PEER_QUEUE=quorum: the
# pipeline compared like with like, the broker's work included
QUORUM_QUEUE = "bench.peer.quorum"
QUORUM_ARGUMENTS = {"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT}

app = Celery("bench_peer")
app.conf.update(
    broker_url=os.environ.get("PEER_BROKER_URL", "pyamqp://guest:guest@127.0.0.1:5672//"),
    broker_transport_options={"confirm_publish": True},
    broker_connection_retry_on_startup=True,
    task_acks_late=True,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    task_default_queue=QUEUE,
    worker_hijack_root_logger=False,
)
if os.environ.get("PEER_QUEUE") == "quorum":
    app.conf.task_default_queue = QUORUM_QUEUE
    app.conf.task_queues = [Queue(QUORUM_QUEUE, queue_arguments=QUORUM_ARGUMENTS)]

_connections: dict[str, Any] = {}
_http = requests.Session()


def database(variable: str):
    """This process's connection to the database named by the environment variable."""
    connection = _connections.get(variable)
    if connection is None or connection.closed:
        connection = _connections[variable] = psycopg2.connect(os.environ[variable])
    return connection


SCHEMA = {
    "PEER_WEBHOOK_DB": (
        "CREATE TABLE IF NOT EXISTS peer_subscriptions (id text PRIMARY KEY, "
        "event_types text[] NOT NULL, callback_url text NOT NULL, secret text NOT NULL)",
        "CREATE TABLE IF NOT EXISTS peer_deliveries (id bigserial PRIMARY KEY, "
        "subscription_id text NOT NULL, event_id text NOT NULL, status integer, "
        "response text NOT NULL, at timestamptz NOT NULL DEFAULT now())",
    ),
    "PEER_LEDGER_DB": (
        "CREATE TABLE IF NOT EXISTS peer_entries (entry_id text PRIMARY KEY, amount integer)",
    ),
    "PEER_TALLY_DB": (
        "CREATE TABLE IF NOT EXISTS peer_tallies (entry_id text PRIMARY KEY, "
        "counted_at timestamptz NOT NULL DEFAULT now())",
    ),
}


@app.task(name="peer.fan_out")
def fan_out(event: dict[str, Any]) -> None:
    with database("PEER_WEBHOOK_DB") as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, callback_url, secret FROM peer_subscriptions WHERE %s = ANY(event_types)",
            (event["event_type"],),
        )
        subscriptions = cursor.fetchall()
    for subscription_id, url, secret in subscriptions:
        deliver.delay(subscription_id, url, secret, event)


@app.task(
    name="peer.deliver",
    bind=True,
    autoretry_for=(requests.RequestException,),
    retry_backoff=True,
    max_retries=5,
)
def deliver(self, subscription_id: str, url: str, secret: str, event: dict[str, Any]) -> None:
    body = json.dumps({**event, "subscription_id": subscription_id}, sort_keys=True).encode()
    timestamp = int(time.time())
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    answer = _http.post(
        url,
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Rathaus-Timestamp": str(timestamp),
            "X-Rathaus-Signature": f"v1={digest.hexdigest()}",
            "X-Rathaus-Event": event["event_type"],
        },
        timeout=10,
    )
    with database("PEER_WEBHOOK_DB") as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO peer_deliveries (subscription_id, event_id, status, response) "
            "VALUES (%s, %s, %s, %s)",
            (subscription_id, event["event_id"], answer.status_code, answer.text[:200]),
        )
    if answer.status_code >= 500:
        raise self.retry(countdown=2**self.request.retries)


@app.task(name="peer.count_entry")
def count_entry(entry_id: str) -> None:
    with database("PEER_TALLY_DB") as connection, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO peer_tallies (entry_id) VALUES (%s) ON CONFLICT DO NOTHING", (entry_id,)
        )
