"""Open311 GeoReport v2, read only: the town's services and its public reports."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services.common.clock import Clock
from services.common.database import UnitOfWork
from services.feedback import open311, public_map
from services.feedback.errors import ItemNotFound, UnknownCategory
from services.feedback.use_cases.setting import Setting


@dataclass(frozen=True)
class Services:
    language: str = "de"
    jurisdiction_id: str | None = None


def services(command: Services, setting: Setting) -> list[dict[str, Any]]:
    open311.check_jurisdiction(setting.town, command.jurisdiction_id)
    return open311.services(setting.town, open311.language(command.language))


@dataclass(frozen=True)
class Service:
    service_code: str
    language: str = "de"
    jurisdiction_id: str | None = None


def service(command: Service, setting: Setting) -> dict[str, Any]:
    open311.check_jurisdiction(setting.town, command.jurisdiction_id)
    category = open311.service_category(setting.town, command.service_code)
    if category is None:
        raise UnknownCategory("There is no such service.", {"service_code": command.service_code})
    return open311.definition(category, open311.language(command.language))


@dataclass(frozen=True)
class Requests:
    query: dict[str, Any]  # as loaded by Open311Query
    language: str = "de"


def requests(
    command: Requests, uow: UnitOfWork, clock: Clock, setting: Setting
) -> list[dict[str, Any]]:
    data = command.query
    open311.check_jurisdiction(setting.town, data["jurisdiction_id"])
    language = open311.language(command.language)
    with uow.transaction() as tx:
        if data["service_request_id"]:  # the spec's: ids override every other filter
            rows = public_map.requests_by_id(tx.session, data["service_request_id"])
        else:
            rows = public_map.requests(tx.session, open311.search(setting.town, data, clock()))
        return [open311.request(row, setting.town, language) for row in rows]


@dataclass(frozen=True)
class Request:
    request_id: str
    language: str = "de"
    jurisdiction_id: str | None = None


def request(command: Request, uow: UnitOfWork, setting: Setting) -> list[dict[str, Any]]:
    open311.check_jurisdiction(setting.town, command.jurisdiction_id)
    with uow.transaction() as tx:
        rows = public_map.requests_by_id(tx.session, [command.request_id])
        if not rows:
            raise ItemNotFound(
                "There is no such request.", {"service_request_id": command.request_id}
            )
        return [open311.request(rows[0], setting.town, open311.language(command.language))]


def discovery(endpoint_url: str, setting: Setting) -> dict[str, Any]:
    return open311.discovery(setting.town, endpoint_url)
