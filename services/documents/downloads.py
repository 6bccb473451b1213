"""A stored version streamed out: decrypted segment by segment, each authenticated first."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

from werkzeug.wrappers import Response

from services.documents.models import BlobRow, VersionRow
from services.documents.sealing import unseal
from services.documents.uploads import part_name
from services.documents.vault import Vault

EXTENSIONS = {
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "text/plain": ".txt",
}


def plaintext(vault: Vault, blob: BlobRow) -> Iterator[bytes]:
    prefix = f"blobs/{blob.address}"
    for number in range(1, len(blob.part_sizes) + 1):
        sealed = vault.store.get(part_name(prefix, number))
        yield from unseal(sealed, blob.wrapped_key, vault.master, number)


def stream_download(vault: Vault, version: VersionRow, blob: BlobRow, title: str) -> Response:
    filename = version.filename or title + EXTENSIONS.get(version.media_type, "")
    response = Response(
        plaintext(vault, blob), mimetype=version.media_type, direct_passthrough=True
    )
    response.headers["Content-Length"] = str(version.size)
    # never rendered inline: an uploaded file is not a page of the portal
    response.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = f'"{version.sha256}"'
    response.headers["X-Content-SHA256"] = version.sha256
    return response
