"""SMS through one generic HTTP provider adapter.

Most SMS gateways take a POST with the number and the text: NOTIFICATIONS.sms_url names
it, sms_auth is sent as the Authorization header, and sms_body is the JSON to send with
((to)) and ((text)) filled in (JSON-escaped).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from services.notifications.http_delivery import post
from services.notifications.outcomes import PERMANENT, Outcome, Outgoing
from services.notifications.settings import NotificationSettings

Record = Callable[[Outgoing, Outcome], None]


def request_body(template: str, to: str, text: str) -> bytes:
    def escaped(value: str) -> str:
        return json.dumps(value, ensure_ascii=False)[1:-1]

    return template.replace("((to))", escaped(to)).replace("((text))", escaped(text)).encode()


class SmsChannel:
    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    def send(self, message: Outgoing) -> Outcome:
        settings = self.settings
        if not settings.sms_url:
            return Outcome(PERMANENT, "no SMS provider is configured (NOTIFICATIONS.sms_url)")
        headers = {"Content-Type": "application/json"}
        if settings.sms_auth:
            headers["Authorization"] = settings.sms_auth
        body = request_body(settings.sms_body, message.recipient, message.content["text"])
        return post(settings.sms_url, body, headers, settings.sms_timeout)
