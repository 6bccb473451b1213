from tests.appointments.conftest import a_working_day, hold_request, token_of


def test_smoke(office, anyone, events):
    day = a_working_day().isoformat()
    slots = anyone.availability("id-card", day, day)["slots"]
    assert slots[0]["start"].endswith(":00"), slots[0]
    held = anyone.hold(hold_request(slots[0]["start"]))
    assert held["status"] == "held"
    [event] = events.wait_for("appointment_held")
    confirmed = anyone.confirm(token_of(event["payload"]["confirm_url"]))
    assert confirmed["status"] == "confirmed"
    [event] = events.wait_for("appointment_confirmed")
    print(event["payload"]["manage_url"], slots[0])
