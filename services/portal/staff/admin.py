"""The administration (`/staff/admin`, administrators only): the catalogue of services,
locations with their opening hours, closed days and desks, each change previewed as the free
slots it makes before it is saved, and each page's "Changes" from the owning service's audit
trail. Templates, the delivery log, webhooks and dead letters are admin_messages.py's.

Every form works without JavaScript: "Preview" draws the same page with the change as
typed and the free slots it would make; "Save" saves it and comes back with a notice. The
services decide what is valid; a refusal comes back at the fields that caused it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from werkzeug.exceptions import NotFound

from services.common.errors import InvalidInput, ServiceError
from services.common.identity import ADMIN
from services.common.local_time import office_today
from services.common.rpc import RemoteService
from services.portal.pages import Visit, page
from services.portal.rendering import Redirect, Rendered
from services.portal.staff import admin_forms
from services.portal.staff.admin_trail import shown_changes

AREA = "/staff/admin"
CATALOGUE = f"{AREA}/catalogue"
LOCATION = f"{AREA}/locations/<key>"
SERVICE = f"{AREA}/services/<key>"
NEW = "new"
# the days a preview looks at: two weeks from today
PREVIEW_DAYS = 14


class AdminPages:
    """Mixed into GatewayService, beside the citizens' pages."""

    appointments = RemoteService("appointments")

    @page("GET", AREA, roles=ADMIN)
    def admin_page(self, visit: Visit) -> Rendered:
        return Rendered("staff/admin/home.html")

    @page("GET", CATALOGUE, roles=ADMIN)
    def admin_catalogue_page(self, visit: Visit) -> Rendered:
        trail = self.appointments.audit_trail({"limit": 20})
        return Rendered(
            "staff/admin/catalogue.html",
            {
                "locations": self.appointments.list_locations(),
                "services": self.appointments.list_services(),
                "changes": shown_changes(trail),
            },
        )

    # a location: its details, opening hours and closed days; and its desks per service

    @page("GET", LOCATION, roles=ADMIN)
    def admin_location_page(self, visit: Visit, key: str) -> Rendered:
        return self._location_page(visit, key)

    @page("POST", LOCATION, roles=ADMIN)
    def admin_location_change(self, visit: Visit, key: str) -> Rendered | Redirect:
        stored = self._location(key)
        new_key = visit.value("key") if key == NEW else key
        parsed = admin_forms.location_form(visit, int(visit.value("rule_rows") or 0))
        change = {"kind": "location", "key": new_key, "value": parsed.value}
        return self._change(
            visit,
            parsed,
            change,
            lambda: self.appointments.put_location(new_key, parsed.value),
            lambda errors, preview: self._location_page(visit, key, stored, errors, preview),
            f"{AREA}/locations/{new_key}",
        )

    @page("POST", f"{LOCATION}/capacity", roles=ADMIN)
    def admin_capacity_change(self, visit: Visit, key: str) -> Rendered | Redirect:
        stored = self._location(key)
        service = visit.value("service")
        parsed = admin_forms.capacity_form(visit)
        change = {"kind": "capacity", "location": key, "service": service, "value": parsed.value}
        return self._change(
            visit,
            parsed,
            change,
            lambda: self.appointments.put_capacity(key, service, parsed.value),
            lambda errors, preview: self._location_page(
                visit,
                key,
                stored,
                capacity_errors={f"capacity-{name}": why for name, why in (errors or {}).items()},
                capacity_preview=preview,
            ),
            f"{AREA}/locations/{key}",
        )

    def _location(self, key: str) -> dict[str, Any] | None:
        if key == NEW:
            return None
        found = next((p for p in self.appointments.list_locations() if p["key"] == key), None)
        if found is None:
            raise NotFound()
        return found

    def _location_page(
        self,
        visit: Visit,
        key: str,
        stored: dict[str, Any] | None = None,
        errors: dict | None = None,
        preview: dict | None = None,
        capacity_errors: dict | None = None,
        capacity_preview: dict | None = None,
    ) -> Rendered:
        if stored is None and visit.request.method == "GET":
            stored = self._location(key)
        typed = visit.request.method == "POST" and capacity_errors is None and not capacity_preview
        services = self.appointments.list_services()
        trail = (
            self.appointments.audit_trail({"entities": ["location"], "key": key, "limit": 10})
            if stored
            else {"changes": []}
        )
        capacity_trail = self.appointments.audit_trail({"entities": ["capacity"], "limit": 50})
        mine = [c for c in capacity_trail["changes"] if c["key"].startswith(f"{key}/")]
        failed = bool(errors) or bool(capacity_errors)
        return Rendered(
            "staff/admin/location.html",
            {
                "key": key,
                "is_new": key == NEW,
                "location": stored or {},
                "typed": _typed_location(visit) if typed else None,
                "rows": admin_forms.location_rows(stored, visit if typed else None),
                "weekdays": admin_forms.WEEKDAYS,
                "services": services,
                "service_names": {s["key"]: s["name"] for s in services},
                "errors": errors or {},
                "preview": preview,
                "capacity_errors": capacity_errors or {},
                "capacity_preview": capacity_preview,
                "capacity_typed": _typed_capacity(visit, capacity_errors, capacity_preview),
                "changes": shown_changes({"changes": trail["changes"] + mine}),
            },
            status=400 if failed else 200,
        )

    # a service

    @page("GET", SERVICE, roles=ADMIN)
    def admin_service_page(self, visit: Visit, key: str) -> Rendered:
        return self._service_page(visit, key)

    @page("POST", SERVICE, roles=ADMIN)
    def admin_service_change(self, visit: Visit, key: str) -> Rendered | Redirect:
        new_key = visit.value("key") if key == NEW else key
        parsed = admin_forms.service_form(visit)
        change = {"kind": "service", "key": new_key, "value": parsed.value}
        return self._change(
            visit,
            parsed,
            change,
            lambda: self.appointments.put_service(new_key, parsed.value),
            lambda errors, preview: self._service_page(visit, key, errors, preview),
            f"{AREA}/services/{new_key}",
        )

    def _service_page(
        self, visit: Visit, key: str, errors: dict | None = None, preview: dict | None = None
    ) -> Rendered:
        stored = next((s for s in self.appointments.list_services() if s["key"] == key), None)
        if stored is None and key != NEW:
            raise NotFound()
        typed = visit.request.method == "POST"
        trail = (
            self.appointments.audit_trail({"entities": ["service"], "key": key, "limit": 10})
            if stored
            else {"changes": []}
        )
        shown = stored or {"key": "", "name": "", "duration_units": "", "documents": []}
        if typed:
            shown = {
                **shown,
                "key": visit.value("key") or shown["key"],
                "name": visit.value("name"),
                "duration_units": visit.value("duration_units"),
                "documents": visit.value("documents").splitlines(),
            }
        return Rendered(
            "staff/admin/service.html",
            {
                "key": key,
                "is_new": key == NEW,
                "service": shown,
                "errors": errors or {},
                "preview": preview,
                "locations": {p["key"]: p["name"] for p in self.appointments.list_locations()},
                "changes": shown_changes(trail),
            },
            status=400 if errors else 200,
        )

    # preview or save: one way for every catalogue form

    def _change(self, visit: Visit, parsed, change, save, again, saved_at: str):
        if parsed.errors:
            return again(parsed.errors, None)
        try:
            if visit.value("action") == "preview":
                today = office_today()
                preview = self.appointments.preview_availability(
                    change,
                    today.isoformat(),
                    (today + timedelta(days=PREVIEW_DAYS - 1)).isoformat(),
                )
                return again(None, preview)
            save()
        except InvalidInput as refused:
            return again(
                admin_forms.refused_fields(
                    refused.details, parsed.rule_rows, parsed.value.get("opening_hours", [])
                )
                or {"form": ["staff.admin.error.field"]},
                None,
            )
        except ServiceError as refused:
            return again({"form": [f"error.code.{refused.code}"]}, None)
        visit.tell("staff.admin.saved")
        return Redirect(saved_at)


def _typed_location(visit: Visit) -> dict[str, Any]:
    names = ("key", "name", "address", *admin_forms.LOCATION_NUMBERS, "closed_new")
    typed: dict[str, Any] = {name: visit.value(name) for name in names}
    typed["closed_kept"] = visit.form.get("closed_kept", [])
    typed["closed_remove"] = visit.form.get("closed_remove", [])
    return typed


def _typed_capacity(visit: Visit, errors: dict | None, preview: dict | None) -> dict[str, str]:
    """The capacity form as typed, when it comes back with a preview or a refusal."""
    if not errors and not preview:
        return {}
    return {name: visit.value(name) for name in ("service", "desks", "online_desks")}
