"""`/static/<name>`: the portal's assets, answered without a worker, a session or a cookie."""

from __future__ import annotations

from nameko.web.handlers import HttpRequestHandler
from werkzeug.wrappers import Request, Response

from services.gateway.http import ApiServer
from services.portal.assets import assets

YEAR = 365 * 24 * 3600


class StaticFiles(HttpRequestHandler):
    server = ApiServer()

    def __init__(self, **kwargs) -> None:
        super().__init__("GET", "/static/<name>", **kwargs)

    def setup(self) -> None:
        super().setup()
        self.files = assets()

    def handle_request(self, request: Request) -> Response:
        asset = self.files.get(request.path_values["name"])
        if asset is None:
            return Response("Not found", status=404, mimetype="text/plain")
        compressed = "gzip" in request.headers.get("Accept-Encoding", "")
        response = Response(asset.compressed if compressed else asset.content)
        response.headers["Content-Type"] = asset.media_type
        if compressed:
            response.headers["Content-Encoding"] = "gzip"
        response.headers["Vary"] = "Accept-Encoding"
        # the name carries the content's hash: a new release is a new name
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


static_files = StaticFiles.decorator
