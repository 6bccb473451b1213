"""A page's live stream: Server-Sent Events for a visitor known by the session cookie,
served in the connection's own green thread (no worker), from one of the gateway's hubs."""

from __future__ import annotations

from nameko.web.handlers import HttpRequestHandler

from services.gateway.http import ApiServer
from services.portal.session import SessionCodec
from services.portal.settings import PortalSettings


class SessionStream(HttpRequestHandler):
    """`@decorator(url)` of a subclass, which answers `handle_request` with
    services.gateway.live.event_stream; the decorated method only names it."""

    server = ApiServer()

    def __init__(self, url: str, **kwargs) -> None:
        super().__init__("GET", url, **kwargs)

    def setup(self) -> None:
        super().setup()
        self.codec = SessionCodec(PortalSettings.from_config())
