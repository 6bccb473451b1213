"""The appointments and notifications services together: a citizen books, gets the mail with
the confirmation link at a real SMTP server, follows it, and gets the confirmation with the
calendar file."""

from __future__ import annotations

import re

from tests.appointments.test_booking import slots_on
from tests.support.appointments import a_working_day, hold_request, token_of
from tests.support.waiting import wait_for

LINK = re.compile(r"https://portal\.test/\S+")


def test_a_booking_is_confirmed_by_the_link_in_the_real_mail(
    office,
    anyone,
    notifications,
    mail_catcher,
):
    start = slots_on(anyone, a_working_day())[0]["start"]
    anyone.hold(hold_request(start, email="erika@example.org"))

    [held] = wait_for(lambda: mail_catcher.to("erika@example.org"), timeout=10)
    assert held["Subject"].startswith("Bitte bestätigen Sie Ihren Termin am ")
    text = held.get_body(("plain",)).get_content()
    assert "Guten Tag Erika Mustermann," in text
    [link] = LINK.findall(text)
    anyone.confirm(token_of(link))

    mails = wait_for(lambda: len(mail_catcher.to("erika@example.org")) == 2, timeout=10)
    assert mails
    confirmation = mail_catcher.to("erika@example.org")[1]
    assert confirmation["Subject"].endswith("ist gebucht")
    text = confirmation.get_body(("plain",)).get_content()
    assert "Bitte bringen Sie mit: Altes Dokument" in text
    [calendar] = list(confirmation.iter_attachments())
    assert "DTSTART;TZID=Europe/Berlin" in calendar.get_content()
