"""The notifications service's errors: each a code a portal or an integrator can act on."""

from __future__ import annotations

from services.common.errors import ServiceError, service_error


@service_error("unknown_template", 404)
class UnknownTemplate(ServiceError):
    """No template of that name (or no such version of it)."""


@service_error("unknown_event_type", 400)
class UnknownEventType(ServiceError):
    """No event of that type is published on the platform; details name the types."""


@service_error("unknown_attribute", 400)
class UnknownAttribute(ServiceError):
    """A filter names an attribute the event does not make public; details list them."""


@service_error("invalid_callback_url", 400)
class InvalidCallbackUrl(ServiceError):
    """The callback URL is not an absolute http(s) URL, or points where webhooks may not go."""


@service_error("callback_test_failed", 400)
class CallbackTestFailed(ServiceError):
    """The callback did not answer the test call with 2xx; details say what it answered."""


@service_error("missing_values", 400)
class MissingValues(ServiceError):
    """A preview lacks values for placeholders the template uses; details name them."""


@service_error("unknown_placeholder", 400)
class UnknownPlaceholder(ServiceError):
    """A template version uses placeholders its events do not supply; details name them."""


@service_error("inbox_item_not_found", 404)
class InboxItemNotFound(ServiceError):
    """No such item in the caller's inbox."""


@service_error("subscription_not_found", 404)
class SubscriptionNotFound(ServiceError):
    """No such webhook subscription."""


@service_error("message_not_found", 404)
class MessageNotFound(ServiceError):
    """No such message in the delivery log."""


@service_error("not_resendable", 409)
class NotResendable(ServiceError):
    """Only a message that failed for good can be re-sent; details give its status."""


@service_error("body_purged", 410)
class BodyPurged(ServiceError):
    """The message's text was purged after its retention; it cannot be re-sent."""
