"""Demo data: the Bürgerbüro of Soest, so that `make run` has something to book.

Two locations (the town hall and a branch in the north of the town), eight services with
what to bring, opening hours as a German Bürgerbüro keeps them, and the desks per service.
It is loaded through the catalogue functions the RPC entrypoints use, after the same input
checks, in one transaction, and only into an empty catalogue: `make run` on a database
that has a catalogue of its own leaves it alone.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from services.appointments import catalogue_admin
from services.appointments.schemas import (
    CapacityInput,
    LocationInput,
    OfferInput,
    check_key,
)
from services.common.database import Transaction
from services.common.engine import create_service_engine
from services.common.loading import load
from services.common.local_time import office_today

_ID_DOCUMENT = "Personalausweis oder Reisepass"
_PHOTO = (
    "ein biometrisches Lichtbild, digital: vom Fotostudio übermittelt oder am "
    "Selbstbedienungsterminal im Bürgerbüro aufgenommen"
)

# key -> the service as the put_service RPC takes it; durations in 15-minute slots
SERVICES: dict[str, dict[str, Any]] = {
    "personalausweis": {
        "name": "Personalausweis beantragen",
        "duration_units": 2,
        "documents": [
            "der bisherige Personalausweis (auch abgelaufen) oder Reisepass",
            _PHOTO,
            "Geburts- oder Heiratsurkunde, wenn es Ihr erster Ausweis ist",
            "bei Minderjährigen: beide Sorgeberechtigten kommen mit, oder die schriftliche "
            "Zustimmung des anderen und eine Kopie seines Ausweises",
        ],
    },
    "reisepass": {
        "name": "Reisepass beantragen",
        "duration_units": 2,
        "documents": [
            "der bisherige Reisepass oder Personalausweis",
            _PHOTO,
            "Geburts- oder Heiratsurkunde, wenn es Ihr erster Pass ist",
            "bei Minderjährigen: die Zustimmung beider Sorgeberechtigten und deren Ausweise",
        ],
    },
    "anmeldung": {
        "name": "Anmeldung oder Ummeldung des Wohnsitzes",
        "duration_units": 2,
        "documents": [
            "Personalausweise oder Reisepässe aller Personen, die umziehen",
            "die Wohnungsgeberbestätigung Ihres Vermieters (§ 19 Bundesmeldegesetz)",
            "eine schriftliche Vollmacht, wenn Sie jemanden außerhalb Ihres Haushalts anmelden",
        ],
    },
    "fuehrungszeugnis": {
        "name": "Führungszeugnis beantragen",
        "duration_units": 1,
        "documents": [
            _ID_DOCUMENT,
            "für ein erweitertes Führungszeugnis: die schriftliche Aufforderung des "
            "Arbeitgebers oder Vereins",
        ],
    },
    "meldebescheinigung": {
        "name": "Meldebescheinigung",
        "duration_units": 1,
        "documents": [
            _ID_DOCUMENT,
            "für eine andere Person: ihre Vollmacht und ihren Ausweis (eine Kopie genügt)",
        ],
    },
    "beglaubigung": {
        "name": "Beglaubigung von Kopien und Unterschriften",
        "duration_units": 1,
        "documents": [
            "das Original des Dokuments und die Kopien, die beglaubigt werden sollen",
            "für eine Unterschriftsbeglaubigung: Personalausweis oder Reisepass; "
            "unterschreiben Sie erst vor der Sachbearbeiterin oder dem Sachbearbeiter",
        ],
    },
    "fundsachen": {
        "name": "Fundsachen: Verlust melden oder Fundstück abholen",
        "duration_units": 1,
        "documents": [
            _ID_DOCUMENT,
            "eine möglichst genaue Beschreibung: was, wann, wo verloren, besondere Merkmale",
            "ein Eigentumsnachweis, falls vorhanden (Kaufbeleg, Rahmen- oder Gerätenummer)",
        ],
    },
    "bewohnerparkausweis": {
        "name": "Bewohnerparkausweis",
        "duration_units": 1,
        "documents": [
            "Personalausweis oder Reisepass, mit Hauptwohnsitz in der Bewohnerparkzone",
            "die Zulassungsbescheinigung Teil I (Fahrzeugschein)",
            "bei einem Firmen- oder Leasingfahrzeug: die Bestätigung des Halters, dass Sie "
            "es ständig nutzen",
        ],
    },
}

# the citizens' office, whose clerks work the desks of both locations
DESK_DEPARTMENT = "buergerbuero"
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY = 1, 2, 3, 4, 5, 6
# the branch opens every other Saturday, counted from the first Saturday of 2025
SATURDAY_RHYTHM_FROM = date(2025, 1, 4)


def locations(today: date) -> dict[str, dict[str, Any]]:
    """key -> the location as the put_location RPC takes it; closed on 24 and 31 December."""
    closed = [
        date(year, 12, day).isoformat() for year in (today.year, today.year + 1) for day in (24, 31)
    ]
    return {
        "rathaus": {
            "name": "Bürgerbüro im Rathaus",
            "address": "Am Vreithof 8, 59494 Soest",
            "slot_minutes": 15,
            "buffer_units": 0,
            "min_notice_minutes": 120,
            "max_days_ahead": 56,
            "opening_hours": [
                {
                    "weekdays": [MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY],
                    "start": "08:00",
                    "end": "12:30",
                },
                {"weekdays": [TUESDAY], "start": "14:00", "end": "16:00"},
                # the long Thursday, for people who work
                {"weekdays": [THURSDAY], "start": "14:00", "end": "18:00"},
            ],
            "closed_dates": closed,
            "department": DESK_DEPARTMENT,
        },
        "soest-nord": {
            "name": "Bürgerbüro Soest-Nord",
            "address": "Paradieser Weg 40, 59494 Soest",
            "slot_minutes": 15,
            # one clerk files each case before calling the next
            "buffer_units": 1,
            "min_notice_minutes": 24 * 60,
            "max_days_ahead": 42,
            "opening_hours": [
                {"weekdays": [MONDAY, WEDNESDAY, FRIDAY], "start": "08:30", "end": "12:00"},
                {"weekdays": [WEDNESDAY], "start": "14:00", "end": "17:00"},
                {
                    "weekdays": [SATURDAY],
                    "start": "09:00",
                    "end": "12:00",
                    "valid_from": SATURDAY_RHYTHM_FROM.isoformat(),
                    "every_n_weeks": 2,
                },
            ],
            "closed_dates": closed,
            "department": DESK_DEPARTMENT,
        },
    }


# (location, service) -> desks, of which online_desks take bookings; the rest serve walk-ins
CAPACITIES: dict[tuple[str, str], dict[str, int]] = {
    ("rathaus", "personalausweis"): {"desks": 4, "online_desks": 3},
    ("rathaus", "reisepass"): {"desks": 3, "online_desks": 2},
    ("rathaus", "anmeldung"): {"desks": 4, "online_desks": 3},
    ("rathaus", "fuehrungszeugnis"): {"desks": 2, "online_desks": 1},
    ("rathaus", "meldebescheinigung"): {"desks": 2, "online_desks": 2},
    ("rathaus", "beglaubigung"): {"desks": 2, "online_desks": 1},
    ("rathaus", "fundsachen"): {"desks": 1, "online_desks": 1},
    ("rathaus", "bewohnerparkausweis"): {"desks": 1, "online_desks": 1},
    ("soest-nord", "personalausweis"): {"desks": 2, "online_desks": 1},
    ("soest-nord", "reisepass"): {"desks": 2, "online_desks": 1},
    ("soest-nord", "anmeldung"): {"desks": 2, "online_desks": 1},
    ("soest-nord", "meldebescheinigung"): {"desks": 1, "online_desks": 1},
    ("soest-nord", "beglaubigung"): {"desks": 1, "online_desks": 1},
}


def load_demo_data(url: str) -> bool:
    """Put the demo office into the appointments database at `url` if its catalogue is empty.

    True when it loaded; False when there was a catalogue already (or another instance,
    starting at the same time, loaded it first).
    """
    now = datetime.now(UTC)
    engine = create_service_engine(url)
    try:
        with Session(engine) as session, session.begin():
            tx = Transaction(session, "appointments", None)
            if not catalogue_admin.is_empty(tx):
                return False
            put_demo_catalogue(tx, now)
        return True
    except IntegrityError:
        # PostgreSQL: an instance started beside this one committed the same keys first
        return False
    finally:
        engine.dispose()


def put_demo_catalogue(tx: Transaction, now: datetime) -> None:
    for key, service in SERVICES.items():
        catalogue_admin.put_offer(tx, check_key(key, "key"), load(OfferInput, service))
    for key, location in locations(office_today(now)).items():
        catalogue_admin.put_location(tx, check_key(key, "key"), load(LocationInput, location), now)
    for (location_key, service_key), capacity in CAPACITIES.items():
        catalogue_admin.put_capacity(tx, location_key, service_key, load(CapacityInput, capacity))
