"""A stored version streamed out: decrypted segment by segment, each authenticated first.

The name it is saved under comes from the citizen (the uploaded file's name, the title): only
its last path component is served, without control characters or quotes, RFC 6266 encoded;
a name that leaves nothing is made from the document's type and id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from urllib.parse import quote

from werkzeug.wrappers import Response

from services.documents.models import BlobRow, DocumentRow, VersionRow
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


def download_name(document: DocumentRow, version: VersionRow) -> str:
    """The uploaded file's name, else the title, else one made of the type and the id."""
    extension = EXTENSIONS.get(version.media_type, "")
    title = clean_filename(document.title or "")
    return (
        clean_filename(version.filename or "")
        or (title + extension if title else "")
        or f"{document.document_type}-{document.id}{extension}"
    )


# a Windows path arrives with backslashes: both separate components
SEPARATORS = re.compile(r"[/\\]")
# line breaks and tabs read as spaces; other controls and invisible format characters (a
# right-to-left override turns "gpj.exe" around) go
AS_SPACE = frozenset({"Cc", "Zl", "Zp"})


def clean_filename(name: str) -> str:
    """The last component of `name`, without controls or quotes; empty when nothing is left."""
    last = SEPARATORS.split(name)[-1]
    kept = "".join(_clean_character(character) for character in last)
    # a leading dot hides a file, a trailing dot or space Windows drops: both trimmed
    return " ".join(kept.split()).strip(" .")


def _clean_character(character: str) -> str:
    category = unicodedata.category(character)
    if category in AS_SPACE:
        return " "
    if category.startswith("C") or character == '"':
        return ""
    return character


def attachment_disposition(filename: str) -> str:
    """RFC 6266: an ASCII name for old clients, the exact one in UTF-8 for the others."""
    fallback = _ascii_fallback(filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _ascii_fallback(filename: str) -> str:
    # Müller becomes Muller; what has no ASCII form becomes _, as does % (some clients
    # decode it) and what a quoted string would have to escape
    decomposed = unicodedata.normalize("NFKD", filename)
    letters = (c for c in decomposed if not unicodedata.combining(c))
    return "".join(c if c.isascii() and c not in '"\\%' else "_" for c in letters)


def stream_download(
    vault: Vault, document: DocumentRow, version: VersionRow, blob: BlobRow
) -> Response:
    response = Response(
        plaintext(vault, blob), mimetype=version.media_type, direct_passthrough=True
    )
    response.headers["Content-Length"] = str(version.size)
    # never rendered inline: an uploaded file is not a page of the portal
    response.headers["Content-Disposition"] = attachment_disposition(
        download_name(document, version)
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    response.headers["ETag"] = f'"{version.sha256}"'
    response.headers["X-Content-SHA256"] = version.sha256
    return response
