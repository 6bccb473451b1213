"""Who is asking and on whose behalf: identity and correlation id carried in nameko context_data.

The gateway puts the verified caller into the context; nameko copies context_data into the
headers of every RPC and event a worker sends, so the identity and the correlation id
follow a citizen's request through every service and appear in every log line.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import structlog
from nameko.extensions import DependencyProvider

from services.common.errors import Forbidden, Unauthenticated

CORRELATION_ID_KEY = "correlation_id"
SUBJECT_KEY = "user_id"
ROLE_KEY = "user_role"
# the clerk's departments (a list; absent when there are none)
DEPARTMENTS_KEY = "user_departments"
# the person's display name, for what the office signs (absent when the token names none)
NAME_KEY = "user_name"

ROLES = ("citizen", "clerk", "admin")


@dataclass(frozen=True)
class Caller:
    subject: str | None
    role: str | None
    # the departments whose queues a clerk works (roads, environment, ...)
    departments: tuple[str, ...] = ()
    # the person's name as the identity provider states it ("Erika Mustermann"), if it does
    name: str | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.subject is not None

    def require(self, *roles: str) -> Caller:
        """Refuse unless the caller is signed in and (when roles are named) holds one of them."""
        if not self.is_authenticated:
            raise Unauthenticated("Sign in to do this.")
        if roles and self.role not in roles:
            raise Forbidden(f"This needs the role {' or '.join(roles)}.", {"role": self.role})
        return self

    @classmethod
    def from_context(cls, context_data: Mapping[str, Any]) -> Caller:
        departments = context_data.get(DEPARTMENTS_KEY)
        if not isinstance(departments, list | tuple):
            departments = ()
        return cls(
            subject=context_data.get(SUBJECT_KEY),
            role=context_data.get(ROLE_KEY),
            departments=tuple(name for name in departments if isinstance(name, str) and name),
            name=name if isinstance(name := context_data.get(NAME_KEY), str) and name else None,
        )

    def to_context(self) -> dict[str, Any]:
        context: dict[str, Any] = {SUBJECT_KEY: self.subject, ROLE_KEY: self.role}
        if self.departments:  # absent rather than empty: most callers have none
            context[DEPARTMENTS_KEY] = list(self.departments)
        if self.name:
            context[NAME_KEY] = self.name
        return context


def new_correlation_id() -> str:
    return uuid.uuid4().hex


def log_context(context_data: Mapping[str, Any], service_name: str, entrypoint: str) -> dict:
    return {
        "service": service_name,
        "entrypoint": entrypoint,
        CORRELATION_ID_KEY: context_data.get(CORRELATION_ID_KEY),
        "caller": context_data.get(SUBJECT_KEY),
        "role": context_data.get(ROLE_KEY),
    }


class RequestContext(DependencyProvider):
    """Gives a worker its `Caller` and binds the correlation id and caller to its log lines.

    A worker that was not started by a request (a timer, say) gets a fresh correlation id,
    so everything it causes can still be traced back to it.
    """

    def worker_setup(self, worker_ctx) -> None:
        context_data = worker_ctx.context_data
        context_data.setdefault(CORRELATION_ID_KEY, new_correlation_id())
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(
            **log_context(
                context_data, self.container.service_name, worker_ctx.entrypoint.method_name
            )
        )

    def worker_teardown(self, worker_ctx) -> None:
        structlog.contextvars.clear_contextvars()

    def get_dependency(self, worker_ctx) -> Caller:
        return Caller.from_context(worker_ctx.context_data)
