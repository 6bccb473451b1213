"""Deciding what an uploaded document is from its bytes alone, never from its name or header.

The inspector recognises a few candidate media types; each document type intersects them with
its own allow-list. Executables, archives and markup are refused outright: an archive hides
what is inside it from every later check, and markup can carry scripts.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

HEAD_SIZE = 8 * 1024
# PDF readers accept the header anywhere in the first kilobyte
PDF_WINDOW = 1024

TEXT_PLAIN = "text/plain"
UTF8_BOM = codecs.BOM_UTF8

# C0 control characters other than \t \n \f \r; in UTF-8 they only ever stand for themselves,
# so the raw bytes can be searched without decoding them first
_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f]")

MESSAGES = {
    "executable": "This file is a program, not a document. Please upload a PDF, an image or "
    "a text file.",
    "archive": "This file is an archive (for example a ZIP file, or a Word or OpenDocument "
    "file, which are ZIP files inside). Please upload each document on its own as a PDF, an "
    "image or a text file.",
    "markup": "This file is a web page or markup (HTML, SVG or XML). Please upload it as a "
    "PDF or an image instead.",
    "not_text": "This text file contains characters that are not plain UTF-8 text. Please "
    "save it as UTF-8 text or upload it as a PDF.",
    "unknown": "We could not recognise this file type. Please upload a PDF, a JPEG, PNG, "
    "TIFF or WebP image, or a UTF-8 text file.",
}


class ContentRefused(Exception):
    """The content is not acceptable as a document; `kind` says why, `message` tells the citizen.

    kind: "executable" | "archive" | "markup" | "not_text" | "unknown".
    """

    def __init__(self, kind: str, message: str | None = None) -> None:
        self.kind = kind
        self.message = message or MESSAGES[kind]
        super().__init__(self.message)


@dataclass(frozen=True)
class Signature:
    magic: bytes
    offset: int
    outcome: str  # a media type, or the kind of a refusal

    @property
    def end(self) -> int:
        return self.offset + len(self.magic)

    def matches(self, head: bytes | bytearray) -> bool:
        return head[self.offset : self.end] == self.magic


REFUSED = (
    Signature(b"MZ", 0, "executable"),  # DOS and Windows PE
    Signature(b"\x7fELF", 0, "executable"),
    Signature(b"\xfe\xed\xfa\xce", 0, "executable"),  # Mach-O 32-bit, big-endian
    Signature(b"\xfe\xed\xfa\xcf", 0, "executable"),  # Mach-O 64-bit, big-endian
    Signature(b"\xce\xfa\xed\xfe", 0, "executable"),  # Mach-O 32-bit, little-endian
    Signature(b"\xcf\xfa\xed\xfe", 0, "executable"),  # Mach-O 64-bit, little-endian
    # Mach-O universal binary and Java class file share this magic; both are refused
    Signature(b"\xca\xfe\xba\xbe", 0, "executable"),
    Signature(b"#!", 0, "executable"),  # a script the kernel would run through its interpreter
    Signature(b"\x00asm", 0, "executable"),  # WebAssembly
    # ZIP, and so also docx/xlsx/pptx, odt/ods, jar and apk, which are ZIP files inside
    Signature(b"PK\x03\x04", 0, "archive"),
    Signature(b"PK\x05\x06", 0, "archive"),  # an empty ZIP
    Signature(b"PK\x07\x08", 0, "archive"),  # a spanned ZIP
    Signature(b"\x1f\x8b", 0, "archive"),  # gzip
    Signature(b"BZh", 0, "archive"),  # bzip2
    Signature(b"\xfd7zXZ\x00", 0, "archive"),  # xz
    Signature(b"\x28\xb5\x2f\xfd", 0, "archive"),  # zstd
    Signature(b"7z\xbc\xaf\x27\x1c", 0, "archive"),  # 7-Zip
    Signature(b"Rar!\x1a\x07", 0, "archive"),  # RAR 4 and 5
    Signature(b"ustar", 257, "archive"),  # POSIX and GNU tar
    Signature(b"MSCF", 0, "archive"),  # Microsoft cabinet
    Signature(b"!<arch>\n", 0, "archive"),  # ar, and so also .deb packages
    # ISO 9660 ("CD001" at 32769) lies beyond the head; such an image starts with zeros and is
    # refused as not recognised
)

RECOGNISED = (
    Signature(b"%PDF-", 0, "application/pdf"),
    Signature(b"\xff\xd8\xff", 0, "image/jpeg"),
    Signature(b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    Signature(b"II*\x00", 0, "image/tiff"),  # little-endian
    Signature(b"MM\x00*", 0, "image/tiff"),  # big-endian
)

# what a browser sniffing a response would take for HTML or XML (the WHATWG MIME Sniffing
# Standard, section 7.1), plus SVG; each tag must end in a space or ">"
_MARKUP_TAGS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
    b"<svg",
)
_MARKUP_PREFIXES = (b"<?xml", b"<!doctype svg")
_LEADING_SPACE = b"\t\n\x0c\r "


def refusal_in(head: bytes | bytearray, start: int, end: int) -> str | None:
    """The kind of refusal whose signature ends within head[start:end], if any matches."""
    for signature in REFUSED:
        if start < signature.end <= end and signature.matches(head):
            return signature.outcome
    return None


def is_webp(head: bytes | bytearray) -> bool:
    return head[0:4] == b"RIFF" and head[8:12] == b"WEBP"


def is_markup(head: bytes | bytearray) -> bool:
    start = bytes(head[:1024]).removeprefix(UTF8_BOM).lstrip(_LEADING_SPACE).lower()
    if start.startswith(_MARKUP_PREFIXES):
        return True
    for tag in _MARKUP_TAGS:
        if start.startswith(tag) and start[len(tag) : len(tag) + 1] in (b" ", b">"):
            return True
    return False


def binary_type(head: bytes | bytearray) -> str | None:
    """The recognised binary media type of a head already cleared of refused signatures."""
    for signature in RECOGNISED:
        if signature.matches(head):
            return signature.outcome
    if is_webp(head):
        return "image/webp"
    return None


class TextCheck:
    """Follows text through any number of chunks: valid UTF-8 and no control characters."""

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.failure: str | None = None  # a refusal kind once the text went bad

    def feed(self, data: bytes | bytearray | memoryview, final: bool = False) -> None:
        if self.failure is not None:
            return  # already refused; no need to read on
        if _CONTROL.search(data):
            self.failure = "not_text"
            return
        try:
            self._decoder.decode(data, final)
        except UnicodeDecodeError:
            self.failure = "not_text"


class ContentInspector:
    """Fed the content in order, in chunks of any size, decides its media type.

    feed() raises ContentRefused as soon as the head shows a refused signature, and when the
    head (the first HEAD_SIZE bytes) is decided against; finish() gives the media type or
    raises ContentRefused. Once a binary type is decided the rest is not read; text keeps being
    checked to the end.
    """

    def __init__(self) -> None:
        self._head = bytearray()
        self._media_type: str | None = None
        self._text: TextCheck | None = None
        self._refused: ContentRefused | None = None

    @property
    def media_type(self) -> str | None:
        return self._media_type

    def feed(self, chunk: bytes | bytearray | memoryview) -> None:
        if self._refused is not None:
            raise self._refused
        if self._media_type is None:
            chunk = self._fill_head(chunk)
            if self._media_type is None:
                return
        if self._text is not None and len(chunk):
            self._text.feed(chunk)

    def finish(self) -> str:
        if self._refused is not None:
            raise self._refused
        if self._media_type is None:
            self._decide_head(final=True)
        if self._text is not None:
            self._text.feed(b"", final=True)
            if self._text.failure is not None:
                self._refuse(self._text.failure)
        assert self._media_type is not None
        return self._media_type

    def _fill_head(self, chunk: bytes | bytearray | memoryview) -> memoryview:
        """Add what the head still lacks; return the rest of the chunk, uncopied."""
        view = memoryview(chunk)
        before = len(self._head)
        self._head += view[: HEAD_SIZE - before]
        kind = refusal_in(self._head, before, len(self._head))
        if kind is not None:
            self._refuse(kind)
        rest = view[len(self._head) - before :]
        if len(self._head) == HEAD_SIZE:
            self._decide_head(final=False)
        return rest

    def _decide_head(self, final: bool) -> None:
        head = self._head
        if not head or head == UTF8_BOM:
            self._refuse("unknown")
        media_type = binary_type(head)
        if media_type is None and is_markup(head):
            self._refuse("markup")
        if media_type is None and b"%PDF-" in head[:PDF_WINDOW]:
            media_type = "application/pdf"
        if media_type is None:
            self._decide_text(final)
        else:
            self._media_type = media_type

    def _decide_text(self, final: bool) -> None:
        text = TextCheck()
        text.feed(self._head, final)
        if text.failure is not None:
            # control characters in the head mean a binary format, not text gone bad
            self._refuse("unknown" if _CONTROL.search(self._head) else text.failure)
        self._text = text
        self._media_type = TEXT_PLAIN

    def _refuse(self, kind: str) -> None:
        self._refused = ContentRefused(kind)
        raise self._refused


def sniff(data: bytes) -> str:
    """The media type of a whole (small) content; raises ContentRefused."""
    inspector = ContentInspector()
    inspector.feed(data)
    return inspector.finish()
