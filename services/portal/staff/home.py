"""`/staff`: where a clerk or an administrator starts the day."""

from __future__ import annotations

from services.common.identity import OFFICE
from services.portal.pages import Visit, page
from services.portal.rendering import Rendered

STAFF = "/staff"


class StaffHomePages:
    """Mixed into GatewayService, beside the citizens' pages."""

    @page("GET", STAFF, roles=OFFICE)
    def staff_home_page(self, visit: Visit) -> Rendered:
        return Rendered("staff/home.html", {"departments": visit.session.departments})
