"""Who hears of an event, on which channels and in which language: rules, no I/O.

The event names the citizen: their account (when signed in), the e-mail address they gave
and their language (an event about a report or an idea names each of its recipients so).
Their preferences, when they set any, choose the channels and the language and may switch
non-essential messages off. An essential message always reaches them: if every channel
they chose is off or unknown, it goes to their inbox, or else to the address in the event.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.notifications.catalogue import Route


@dataclass(frozen=True)
class Preference:
    language: str
    email_on: bool
    sms_on: bool
    inbox_on: bool
    email: str | None
    phone: str | None
    non_essential: bool


@dataclass(frozen=True)
class Recipient:
    channel: str
    address: str  # the e-mail address, the phone number, or the account for the inbox
    account: str | None
    language: str


def for_citizen(
    route: Route,
    payload: Mapping[str, Any],
    preference: Preference | None,
    default_language: str,
) -> list[Recipient]:
    if not route.essential and preference is not None and not preference.non_essential:
        return []
    account = payload.get("citizen")
    language = (
        (preference.language if preference else None) or payload.get("language") or default_language
    )
    email = payload.get("email") or (preference.email if preference else None)
    phone = preference.phone if preference else None
    wanted = {
        "email": preference.email_on if preference else True,
        "sms": preference.sms_on if preference else False,
        "inbox": preference.inbox_on if preference else True,
    }
    reachable = {"email": email, "sms": phone, "inbox": account}
    chosen = [
        Recipient(channel, address, account, language)
        for channel in route.channels
        if wanted[channel] and (address := reachable[channel])
    ]
    if chosen or not route.essential:
        return chosen
    for fallback in ("inbox", "email"):
        if fallback in route.channels and (address := reachable[fallback]):
            return [Recipient(fallback, address, account, language)]
    return []
