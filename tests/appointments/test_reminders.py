"""Reminders go out once per appointment, however many instances of the service run."""

from __future__ import annotations

import time
from collections import Counter

from services.common.migrations import upgrade
from services.common.settings import database_url
from tests.support.appointments import (
    ID_CARD,
    TOWN_HALL,
    a_working_day,
    free_slots_of,
    hold_request,
    token_of,
)
from tests.support.clients import cluster_client
from tests.support.events import EventTap
from tests.support.processes import ServiceProcess

INSTANCE_SETTINGS = {
    "APPOINTMENTS_SWEEP_INTERVAL": "0.1",
    # every appointment within the next ten days is due for its reminder at once
    "APPOINTMENTS_REMINDER_BEFORE_HOURS": str(24 * 10),
    "APPOINTMENTS_HOLD_SECONDS": "600",
    "APPOINTMENTS_MAX_ACTIVE_PER_CITIZEN": "3",
    "PORTAL_URL": "https://portal.test",
}


def test_three_instances_send_each_reminder_exactly_once(platform_config, tmp_path):
    upgrade("appointments", database_url("appointments"))
    tap = EventTap("appointments")
    instances = [
        ServiceProcess(
            "services.appointments.service:AppointmentsService",
            f"appointments-{number}",
            tmp_path,
            **INSTANCE_SETTINGS,
        )
        for number in range(3)
    ]
    try:
        for instance in instances:
            instance.service_name = "appointments"  # health is asked of the shared queue
            instance.start()
        with cluster_client({"user_id": "clerk-anna", "user_role": "clerk"}) as client:
            office = client.appointments
            office.put_location("town-hall", TOWN_HALL)
            office.put_service("id-card", ID_CARD)
            office.put_capacity("town-hall", "id-card", {"desks": 20, "online_desks": 20})
            day = a_working_day(5).isoformat()
            start = free_slots_of(office.availability("id-card", day, day))[0]["start"]
            booked = []
            for number in range(20):
                held = office.hold(hold_request(start, f"citizen-{number}@example.org"))
                booked.append(held["appointment_id"])
            for mail in tap.wait_for("appointment_held", count=20):
                office.confirm(token_of(mail["payload"]["confirm_url"]))

        reminders = tap.wait_for("appointment_reminder_due", count=20, timeout=20)
        time.sleep(1.0)  # any second reminder would come within a few sweeps
        reminded = Counter(
            event["payload"]["appointment_id"] for event in tap.of_type("appointment_reminder_due")
        )
        assert len(reminders) >= 20
        assert reminded == Counter({appointment_id: 1 for appointment_id in booked})
        assert "BEGIN:VCALENDAR" in reminders[0]["payload"]["ics"]
    finally:
        for instance in instances:
            instance.stop()
        tap.close()
