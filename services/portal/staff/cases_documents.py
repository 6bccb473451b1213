"""A case's documents shown in the clerk's page, and the decision letter before it is issued.

A PDF or an image opens in the browser (an `<iframe>` or `<img>` of the case page), so a
clerk reads the attachments without downloading them. The content comes from the
documents service's own listener through a download link made for the clerk, relayed a
piece at a time after the page's worker has finished. Only PDFs and images are shown
inline; any other type arrives as a download. These answers may be framed by the portal's
own pages only (`frame-ancestors 'self'`); every page keeps `frame-ancestors 'none'`.
"""

from __future__ import annotations

import base64
import http.client
from collections.abc import Iterator
from urllib.parse import quote, urlsplit

from werkzeug.wrappers import Response

from services.common.errors import ServiceUnavailable
from services.common.web import CORRELATION_HEADER
from services.documents.downloads import clean_filename
from services.gateway.settings import GatewaySettings

PIECE = 64 * 1024
INLINE = frozenset({"application/pdf", "image/png", "image/jpeg", "image/webp"})
IMAGES = frozenset(media_type for media_type in INLINE if media_type.startswith("image/"))
# the letters the office writes are PDFs
LETTERS = frozenset({"receipt", "decision_letter"})


def shown_as(media_type: str | None) -> str:
    """How the case page shows a document: `image`, `pdf` or only a `link`."""
    if media_type in IMAGES:
        return "image"
    return "pdf" if media_type == "application/pdf" else "link"


def framed_headers(media_type: str, filename: str) -> dict[str, str]:
    disposition = "inline" if media_type in INLINE else "attachment"
    name = clean_filename(filename) or "document"
    return {
        "Content-Type": media_type if media_type in INLINE else "application/octet-stream",
        "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name, safe='')}",
        "Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
        "X-Frame-Options": "SAMEORIGIN",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cache-Control": "no-store",
    }


def relayed(link: str, media_type: str, filename: str, correlation_id: str) -> Response:
    """The document a download link grants, fetched from the documents listener and
    streamed on as it arrives."""
    settings = GatewaySettings.from_config()
    target = urlsplit(settings.documents_url)
    token = link.rstrip("/").rpartition("/")[2]
    connection = http.client.HTTPConnection(
        target.hostname, target.port, timeout=settings.stream_timeout
    )
    try:
        connection.request(
            "GET",
            f"{target.path.rstrip('/')}/download/{token}",
            headers={CORRELATION_HEADER: correlation_id},
        )
        answer = connection.getresponse()
    except (OSError, http.client.HTTPException) as error:
        connection.close()
        raise ServiceUnavailable(
            "The documents service is not reachable; try again shortly.", {"reason": repr(error)}
        ) from None
    if answer.status != 200:
        connection.close()
        raise ServiceUnavailable("The document could not be read.", {"status": answer.status})
    headers = framed_headers(media_type, filename)
    if answer.getheader("Content-Length"):
        headers["Content-Length"] = answer.getheader("Content-Length")
    return Response(_pieces(connection, answer), status=200, headers=headers)


def _pieces(connection: http.client.HTTPConnection, answer) -> Iterator[bytes]:
    try:
        while piece := answer.read(PIECE):
            yield piece
    finally:
        connection.close()


def letter_preview(preview: dict[str, str]) -> Response:
    """The decision letter the applications service previewed, shown in the page's frame."""
    content = base64.b64decode(preview["content"])
    headers = framed_headers(preview["media_type"], f"{preview['title']}.pdf")
    return Response(content, status=200, headers=headers)
