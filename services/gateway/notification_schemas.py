"""The notification routes' bodies and answers, as the gateway takes and gives them.

The notifications service owns its input schemas (every rule) and the schemas of its
answers (services/notifications/schemas.py): the routes and the OpenAPI document use those,
re-exported here under the names the routes have always used.
"""

from __future__ import annotations

from services.notifications.schemas import (
    Attempt,
    Delivery,
    DeliveryList,
    DeliveryView,
    Inbox,
    InboxItem,
    LatestVersion,
    MarkedRead,
    NewTemplateVersion,
    PreferencesView,
    Preview,
    Subscription,
    SubscriptionList,
    TemplateList,
    TemplateSummary,
    TemplateVersionView,
    TemplateView,
    UnreadCount,
)

__all__ = [
    "Attempt",
    "Delivery",
    "DeliveryList",
    "DeliveryView",
    "Inbox",
    "InboxItem",
    "LatestVersion",
    "MarkedRead",
    "NewTemplateVersion",
    "PreferencesView",
    "Preview",
    "Subscription",
    "SubscriptionList",
    "TemplateList",
    "TemplateSummary",
    "TemplateVersionView",
    "TemplateView",
    "UnreadCount",
]
