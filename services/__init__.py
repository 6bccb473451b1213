"""Rathaus Online: the services of a paperless citizens' office."""

BUSINESS_SERVICES = ("appointments", "applications", "documents", "notifications", "feedback")
ALL_SERVICES = (*BUSINESS_SERVICES, "gateway")
