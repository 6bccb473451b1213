"""A test double of a map tile server: any `/{z}/{x}/{y}.png` is the same small PNG, and
every tile asked for is recorded."""

from __future__ import annotations

import re
import struct
import zlib

from tests.support.loopback_http import Answer, LoopbackServer, Request

TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")


def _png(size: int, rgb: tuple[int, int, int]) -> bytes:
    """A square PNG of one colour, written by hand: no imaging library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * size))
        + chunk(b"IEND", b"")
    )


# a light tile, as a street map's background is: the map's texts stay readable on it
TILE = _png(256, (238, 240, 232))


class TileServer(LoopbackServer):
    def __init__(self) -> None:
        super().__init__(self._tile)

    @property
    def tile_url(self) -> str:
        return self.url + "/{z}/{x}/{y}.png"

    def tiles(self) -> list[str]:
        """The tiles asked for so far, as z/x/y."""
        return [r.path[1:-4] for r in self.requests if TILE_PATH.match(r.path)]

    @staticmethod
    def _tile(request: Request) -> Answer:
        if TILE_PATH.match(request.path):
            return Answer(200, "image/png", TILE)
        return Answer(404, "text/plain", b"no such tile")
