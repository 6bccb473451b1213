"""A file picked in a plain `<input type="file">`, sent on to the documents service.

The portal works without JavaScript, so a citizen's attachment arrives as one multipart
form. The page then does what a script does against the JSON API: it announces the upload
over RPC, sends each part to the documents service's own listener (the data plane: the
bytes never cross RabbitMQ) with the caller's signed identity, as the gateway's streaming
routes do, and completes it. The documents service checks every part's SHA-256, the
content's type and size, and scans it, and refuses with its own codes.
"""

from __future__ import annotations

import hashlib
import http.client
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any
from urllib.parse import urlsplit

from nameko.extensions import DependencyProvider

from services.common.context import CORRELATION_ID_KEY
from services.common.errors import ServiceError, ServiceUnavailable
from services.common.identity import IDENTITY_HEADER, IDENTITY_KEY
from services.common.web import CORRELATION_HEADER
from services.gateway.settings import GatewaySettings

PIECE = 1024 * 1024
PART_HASH_HEADER = "X-Content-SHA256"


class UploadRefused(ServiceError):
    """The documents service refused a part or the completion; `code` is its own code."""

    def __init__(self, code: str, message: str, details: Any = None, status: int = 400) -> None:
        super().__init__(message, details)
        self.code = code  # type: ignore[misc]  # the refusing service's code, per instance
        self.http_status = status  # type: ignore[misc]  # and its status


class DataPlane:
    """The documents service's listener, called as one signed caller."""

    def __init__(self, url: str, identity: str | None, correlation_id: str, timeout: float):
        self.url = url
        self.identity = identity
        self.correlation_id = correlation_id
        self.timeout = timeout

    @classmethod
    def configured(cls, identity: str | None, correlation_id: str | None) -> DataPlane:
        """The listener GATEWAY.documents_url names, called as `identity` (signed)."""
        settings = GatewaySettings.from_config()
        return cls(settings.documents_url, identity, correlation_id or "", settings.stream_timeout)

    def upload(
        self,
        documents: Any,
        content: IO[bytes],
        announced: dict[str, Any],
        idempotency_key: str | None = None,
    ) -> dict:
        """Store `content` as a new document of the caller's; answers the document.

        The same key again (a form sent twice) finds the same upload: it answers the
        document it made, or sends only the parts still missing."""
        size, sha256 = measure(content)
        session = documents.start_upload(
            {**announced, "size": size, "sha256": sha256}, idempotency_key=idempotency_key
        )
        if session.get("document_id"):
            return {"document_id": session["document_id"]}
        part_size = int(session["part_size"])
        for number in session["missing"]:
            offset = (number - 1) * part_size
            length = min(part_size, size - offset)
            sha256 = part_hash(content, offset, length)
            content.seek(offset)
            self.send_part(session["upload_id"], number, _pieces(content, length), length, sha256)
        return self.complete(session["upload_id"])

    def send_part(
        self, upload_id: str, number: int, body: Iterable[bytes], length: int, sha256: str
    ) -> dict[str, Any]:
        """Part `number` of an upload, streamed from `body` as it is read."""
        path = f"/uploads/{upload_id}/parts/{number}"
        return self._send("PUT", path, body, length, {PART_HASH_HEADER: sha256})

    def complete(self, upload_id: str) -> dict[str, Any]:
        """The upload checked as a whole and stored; answers the document."""
        return self._send("POST", f"/uploads/{upload_id}/complete", None, 0, {})

    def _send(self, method: str, path: str, body, length: int, extra: dict[str, str]) -> dict:
        target = urlsplit(self.url)
        headers = {**extra, "Content-Length": str(length), CORRELATION_HEADER: self.correlation_id}
        if self.identity:
            headers[IDENTITY_HEADER] = self.identity
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=self.timeout)
        try:
            connection.request(method, target.path + path, body=body, headers=headers)
            answer = connection.getresponse()
            status, data = answer.status, answer.read()
        except (OSError, http.client.HTTPException) as error:
            raise ServiceUnavailable(
                "The documents service is not reachable; try again shortly.",
                {"reason": repr(error)},
            ) from None
        finally:
            connection.close()
        return _answered(status, data)


class DocumentDataPlane(DependencyProvider):
    """`self.data_plane` in a page: the documents listener, as this worker's caller."""

    def get_dependency(self, worker_ctx) -> DataPlane:
        context = worker_ctx.context_data
        return DataPlane.configured(context.get(IDENTITY_KEY), context.get(CORRELATION_ID_KEY))


def measure(content: IO[bytes]) -> tuple[int, str]:
    """The content's size and SHA-256, read once from its spooled file."""
    digest, size = hashlib.sha256(), 0
    content.seek(0)
    while piece := content.read(PIECE):
        digest.update(piece)
        size += len(piece)
    return size, digest.hexdigest()


def part_hash(content: IO[bytes], offset: int, length: int) -> str:
    digest = hashlib.sha256()
    content.seek(offset)
    for piece in _pieces(content, length):
        digest.update(piece)
    return digest.hexdigest()


def _pieces(content: IO[bytes], length: int) -> Iterator[bytes]:
    left = length
    while left > 0 and (piece := content.read(min(PIECE, left))):
        left -= len(piece)
        yield piece


def _answered(status: int, data: bytes) -> dict[str, Any]:
    try:
        body = json.loads(data or b"{}")
    except ValueError:
        body = {}
    if 200 <= status < 300:
        return body
    error = body.get("error") if isinstance(body, dict) else None
    error = error if isinstance(error, dict) else {}
    raise UploadRefused(
        str(error.get("code") or "service_unavailable"),
        str(error.get("message") or "The documents service refused the upload."),
        error.get("details"),
        status if 400 <= status < 600 else 502,
    )
