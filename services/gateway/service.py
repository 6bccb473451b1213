"""The gateway's routes: each parses (done by `api`), calls one thing, and answers JSON.

No business rule lives here; the services own them and are reached over RPC. Each
service's routes live in a mixin of their own (services/gateway/appointments.py, ...).
"""

from __future__ import annotations

from typing import Any

from services import BUSINESS_SERVICES
from services.common import dead_letters
from services.common.amqp import broker_reachable
from services.common.context import ROLES, RequestContext
from services.common.dead_letter_gauge import DeadLetterGauge
from services.common.metrics import WorkerMetrics
from services.common.rpc import RemoteService
from services.common.settings import amqp_uri
from services.gateway import applications as application_routes
from services.gateway import appointments as appointment_routes
from services.gateway import auth, dead_letter_acts, live, openapi, schemas
from services.gateway import documents as document_routes
from services.gateway import feedback as feedback_routes
from services.gateway import notifications as notification_routes
from services.gateway.health import check_health
from services.gateway.http import api
from services.gateway.settings import AuthSettings, GatewaySettings
from services.portal import account as account_pages
from services.portal import applications as application_pages
from services.portal import appointments as appointment_pages
from services.portal import feedback as feedback_pages
from services.portal import sign_in as sign_in_pages
from services.portal import uploads as upload_pages
from services.portal.staff import admin as staff_admin
from services.portal.staff import admin_messages as staff_admin_messages
from services.portal.staff import cases as staff_cases
from services.portal.staff import desk as staff_desk
from services.portal.staff import feedback as staff_feedback
from services.portal.staff import home as staff_home
from services.portal.static_files import static_files

ADMIN = ("admin",)


def dev_login_enabled() -> bool:
    return AuthSettings.from_config().dev_login


# each service's routes are a mixin, reached through its module: `nameko run` would take a
# class with routes in this module's namespace for a service to run
class GatewayService(
    appointment_pages.AppointmentPages,
    application_pages.ApplicationPages,
    upload_pages.UploadPages,
    feedback_pages.FeedbackPages,
    sign_in_pages.SignInPages,
    account_pages.AccountPages,
    staff_home.StaffHomePages,
    staff_feedback.StaffFeedbackPages,
    staff_desk.DeskPages,
    staff_cases.StaffCasesPages,
    staff_admin.AdminPages,
    staff_admin_messages.AdminMessagePages,
    application_routes.ApplicationRoutes,
    appointment_routes.AppointmentRoutes,
    document_routes.DocumentRoutes,
    notification_routes.NotificationRoutes,
    feedback_routes.FeedbackRoutes,
    dead_letter_acts.DeadLetterActs,
):
    name = "gateway"

    caller = RequestContext()
    metrics = WorkerMetrics()
    dead_letters_waiting = DeadLetterGauge()
    applications = RemoteService("applications")
    notifications = RemoteService("notifications")
    feedback = RemoteService("feedback")

    @live.queue_items
    def relay_queue_items(self, body) -> None:
        """Never called: each queue item goes to this instance's live streams without a
        worker (services/gateway/live.py)."""

    @static_files()
    def assets(self, request) -> None:
        """Never called: the portal's assets are answered without a worker."""

    @api(
        "GET",
        "/health",
        response=schemas.HealthReport,
        responses={200: "Every service and the broker are ok.", 503: "Something is not ok."},
    )
    def health(self, request) -> tuple[int, dict[str, Any]]:
        """The health of every service and of the message broker.

        Each service is asked at once; one that does not answer within
        GATEWAY.health_timeout seconds, or is not running, is `unavailable`.
        """
        timeout = GatewaySettings.from_config().health_timeout
        report = check_health(
            {name: getattr(self, name).health for name in BUSINESS_SERVICES},
            lambda: broker_reachable(amqp_uri(), timeout=timeout),
            timeout,
        )
        return (200 if report["status"] == "ok" else 503), report

    @api("GET", "/api/v1/openapi.json")
    def openapi_document(self, request) -> dict[str, Any]:
        """This document."""
        return openapi.build_document(type(self), enabled_only=True)

    @api(
        "POST",
        "/api/v1/auth/dev-login",
        body=schemas.DevLoginRequest,
        response=schemas.TokenResponse,
        enabled=dev_login_enabled,
    )
    def dev_login(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Sign in as anyone, with any role: for a developer's machine only.

        The route exists only where AUTH.dev_login is true (the local default); elsewhere
        it is 404 and its tokens are refused.

        Safe to retry: nothing is kept; each call issues another token.
        """
        return auth.issue_dev_token(AuthSettings.from_config(), **body)

    @api("GET", "/api/v1/me", roles=ROLES, response=schemas.Me)
    def me(self, request) -> dict[str, Any]:
        """Who the bearer token says the caller is."""
        caller = self.caller
        return {
            "subject": caller.subject,
            "role": caller.role,
            "departments": list(caller.departments),
            "name": caller.name,
        }

    @api("GET", "/api/v1/admin/dead-letters", roles=ADMIN, response=schemas.DeadLetterList)
    def list_dead_letters(self, request) -> dict[str, Any]:
        """The events that failed every retry and wait in the dead-letter queue."""
        letters = dead_letters.as_dicts(dead_letters.list_dead_letters(amqp_uri()))
        return {"dead_letters": letters, "count": len(letters)}

    @api(
        "POST",
        "/api/v1/admin/dead-letters/replay",
        roles=ADMIN,
        body=schemas.DeadLetterSelection,
        response=schemas.Replayed,
    )
    def replay_dead_letters(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Send dead letters back to the handler queues they failed in.

        Each letter is first recorded in the audit trail of the service whose queue it
        failed in (who, when, the letter as it was, where it went); a letter of a queue no
        service owns is not sent (it is not in `replayed`).

        Safe to retry: a letter sent back has left the dead-letter queue, so naming it again
        sends nothing (`replayed` lists what was sent); the handlers' inboxes take each event
        once.
        """
        return {"replayed": self.act_on_dead_letters("replay", _selected(body))}

    @api(
        "POST",
        "/api/v1/admin/dead-letters/discard",
        roles=ADMIN,
        body=schemas.DeadLetterSelection,
        response=schemas.Discarded,
    )
    def discard_dead_letters(self, request, body: dict[str, Any]) -> dict[str, Any]:
        """Drop dead letters for good.

        Each letter is first recorded in the audit trail of the service whose queue it
        failed in; a letter of a queue no service owns is kept (it is not in `discarded`).

        Safe to retry: a letter dropped is gone; naming it again drops nothing more.
        """
        return {"discarded": self.act_on_dead_letters("discard", _selected(body))}


def _selected(body: dict[str, Any]) -> list[str] | None:
    """The ids named, or None for all of them."""
    return None if body.get("all") else body["ids"]
