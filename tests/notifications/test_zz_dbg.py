from tests.notifications.test_gateway_routes import *  # noqa
from tests.notifications.conftest import *  # noqa


def test_dbg(portal, login):
    admin = login("admin")
    publish("appointments", "appointment_confirmed", confirmed_appointment(None))
    [d] = wait_for(
        lambda: portal.get(
            f"{API}/deliveries", params={"status": "permanent_failure"}, headers=admin
        ).json()["deliveries"][-1:]
    )
    print(
        "DETAIL",
        portal.get(f"{API}/deliveries/{d['message_id']}", headers=admin).json()["attempt_log"],
    )
    assert 0
