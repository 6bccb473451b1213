"""The portal's static files: the design system and the proof-of-work widget from pinned npm
packages (assets/package-lock.json), and the portal's own CSS and script.

Only the files named here are served, each under a name that carries a hash of its content
(`/static/kern.3f2a9c1d.css`), so that browsers keep them for a year and a new release is
fetched at once. Each is read and compressed once, at start.
"""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
PACKAGES = HERE / "assets" / "node_modules"
OWN = HERE / "static"

# public name -> file; KERN's web fonts are left out: two weights alone weigh more than the
# whole first visit may (200 KB), and KERN falls back to the system's sans-serif
FILES = {
    "kern.css": PACKAGES / "@kern-ux/native/dist/kern.min.css",
    "altcha.js": PACKAGES / "altcha/dist_external/altcha.js",
    "altcha-worker.js": PACKAGES / "altcha/dist_external/worker.js",
    "altcha.css": PACKAGES / "altcha/dist_external/altcha.css",
    "portal.css": OWN / "portal.css",
    "portal.js": OWN / "portal.js",
    # the feedback map, on the feedback pages only
    "leaflet.js": PACKAGES / "leaflet/dist/leaflet.js",
    "leaflet.css": PACKAGES / "leaflet/dist/leaflet.css",
    "map.js": OWN / "map.js",
    # attachments sent in parts, on the pages that take files
    "upload.js": OWN / "upload.js",
    # the staff workspace's administration
    "staff_admin.css": OWN / "staff_admin.css",
    # the staff workspace's reports and ideas
    "staff_feedback.css": OWN / "staff_feedback.css",
    # the staff workspace's cases
    "staff_cases.css": OWN / "staff_cases.css",
    "staff_cases.js": OWN / "staff_cases.js",
    # the desk and the hall's call display
    "staff_desk.css": OWN / "staff_desk.css",
    "staff_desk.js": OWN / "staff_desk.js",
}


class MissingAssets(RuntimeError):
    """The npm packages are not installed: `make assets` (make run and make test do it)."""


@dataclass(frozen=True)
class Asset:
    name: str
    url_name: str
    content: bytes
    compressed: bytes
    media_type: str


@cache
def assets() -> dict[str, Asset]:
    """Every asset by its hashed URL name; refuses to start without the npm packages."""
    missing = [str(path) for path in FILES.values() if not path.is_file()]
    if missing:
        raise MissingAssets(f"run `make assets`: missing {', '.join(missing)}")
    loaded = {}
    for name, path in FILES.items():
        content = path.read_bytes()
        stem, _, suffix = name.rpartition(".")
        url_name = f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}.{suffix}"
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if media_type.startswith("text/") or media_type.endswith("javascript"):
            media_type += "; charset=utf-8"
        loaded[url_name] = Asset(name, url_name, content, gzip.compress(content, 9), media_type)
    return loaded


@cache
def url_of(name: str) -> str:
    """`/static/<hashed name>` of an asset by its plain name (kern.css)."""
    return next(f"/static/{a.url_name}" for a in assets().values() if a.name == name)
