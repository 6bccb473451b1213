"""The fake unit of work behaves as the real one: events count only once committed."""

from __future__ import annotations

import pytest
from marshmallow import Schema, fields
from sqlalchemy import select

from services.common.database import EventAlreadyHandled
from services.common.events import Event, InvalidEvent, define_event
from services.common.tables import outbox


class Parcel(Schema):
    parcel_id = fields.String(required=True)


PARCEL_POSTED = define_event("unit_depot", "parcel_posted", Parcel, description="A parcel left.")
FOREIGN = define_event("unit_elsewhere", "parcel_posted", Parcel, description="Not the depot's.")


def test_an_event_is_published_once_its_transaction_commits(fake_uow):
    uow = fake_uow("unit_depot")

    with uow.transaction() as tx:
        tx.publish(PARCEL_POSTED, {"parcel_id": "p-1"})
        assert uow.published == []

    assert uow.published_types() == ["parcel_posted"]
    assert uow.payloads_of("parcel_posted") == [{"parcel_id": "p-1"}]


def test_a_transaction_that_raises_publishes_nothing(fake_uow):
    uow = fake_uow("unit_depot")

    with pytest.raises(RuntimeError), uow.transaction() as tx:
        tx.publish(PARCEL_POSTED, {"parcel_id": "p-1"})
        raise RuntimeError("refused")

    assert uow.published == [] and uow.commits == 0


def test_a_service_publishes_only_its_own_contracts_with_valid_payloads(fake_uow):
    uow = fake_uow("unit_depot")

    with pytest.raises(InvalidEvent), uow.transaction() as tx:
        tx.publish(FOREIGN, {"parcel_id": "p-1"})
    with pytest.raises(InvalidEvent), uow.transaction() as tx:
        tx.publish(PARCEL_POSTED, {"parcel": "p-1"})

    assert uow.published == []


def test_a_batch_of_events_is_written_to_the_outbox_in_its_order_or_not_at_all(fake_uow):
    uow = fake_uow("unit_depot")
    parcels = [{"parcel_id": f"p-{number}"} for number in range(3)]

    with uow.transaction() as tx:
        tx.publish_many(PARCEL_POSTED, parcels)
    with pytest.raises(InvalidEvent), uow.transaction() as tx:
        tx.publish_many(PARCEL_POSTED, [{"parcel_id": "p-3"}, {"parcel": "p-4"}])

    assert uow.payloads_of("parcel_posted") == parcels
    with uow.engine.connect() as connection:
        written = connection.execute(select(outbox.c.message).order_by(outbox.c.id)).scalars()
        assert [message["payload"] for message in written] == parcels


def test_a_second_delivery_of_a_handled_event_is_recognised(fake_uow):
    uow = fake_uow("unit_depot", handler="count_parcels")
    event = Event(type="parcel_posted", payload={"parcel_id": "p-1"})

    with uow.transaction(handling=event):
        pass
    with pytest.raises(EventAlreadyHandled), uow.transaction(handling=event):
        pass

    assert uow.commits == 1
