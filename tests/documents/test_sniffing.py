"""A document's type comes from its bytes: allowed types recognised, the rest refused."""

from __future__ import annotations

import struct
import zlib

import pytest

from services.documents.sniffing import HEAD_SIZE, ContentInspector, ContentRefused, sniff

MiB = 1024 * 1024


def png_bytes() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)  # 1x1, 8-bit greyscale
    idat = zlib.compress(b"\x00\x00")
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


PDF = (
    b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
    b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\xff\xd9"
TIFF_LITTLE_ENDIAN = b"II*\x00\x08\x00\x00\x00" + b"\x00\x00"
TIFF_BIG_ENDIAN = b"MM\x00*\x00\x00\x00\x08" + b"\x00\x00"
WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88"
TEXT = (
    "Sehr geehrte Damen und Herren,\r\nanbei meine Unterlagen für den Umzug nach Soest.\n\tÄÖÜ ß\f"
)


def feed_in_pieces(data: bytes, size: int) -> ContentInspector:
    inspector = ContentInspector()
    for start in range(0, len(data), size):
        inspector.feed(data[start : start + size])
    return inspector


def refusal(data: bytes) -> str:
    with pytest.raises(ContentRefused) as refused:
        sniff(data)
    assert refused.value.message
    return refused.value.kind


@pytest.mark.parametrize(
    ("content", "media_type"),
    [
        (PDF, "application/pdf"),
        (png_bytes(), "image/png"),
        (JPEG, "image/jpeg"),
        (TIFF_LITTLE_ENDIAN, "image/tiff"),
        (TIFF_BIG_ENDIAN, "image/tiff"),
        (WEBP, "image/webp"),
        (TEXT.encode(), "text/plain"),
        (b"\xef\xbb\xbf" + TEXT.encode(), "text/plain"),
    ],
)
def test_each_allowed_type_is_recognised_from_its_bytes(content, media_type):
    assert sniff(content) == media_type


def test_a_pdf_header_within_the_first_kilobyte_is_a_pdf_as_readers_take_it():
    assert sniff(b"\r\n" * 300 + PDF) == "application/pdf"


def test_a_large_binary_type_is_decided_once_the_head_is_in():
    inspector = ContentInspector()
    inspector.feed(png_bytes())
    assert inspector.media_type is None
    inspector.feed(bytes(HEAD_SIZE))
    assert inspector.media_type == "image/png"
    inspector.feed(b"\x00" * MiB)
    assert inspector.finish() == "image/png"


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff",
        b"\x7fELF\x02\x01\x01\x00",
        b"\xfe\xed\xfa\xce\x00\x00\x00\x12",
        b"\xfe\xed\xfa\xcf\x00\x00\x00\x12",
        b"\xce\xfa\xed\xfe\x07\x00\x00\x00",
        b"\xcf\xfa\xed\xfe\x07\x00\x00\x01",
        b"\xca\xfe\xba\xbe\x00\x00\x00\x41",  # a Java class file, or a Mach-O universal binary
        b"#!/bin/sh\nrm -rf ~\n",
        b"\x00asm\x01\x00\x00\x00",
    ],
)
def test_executables_are_refused(content):
    assert refusal(content) == "executable"


@pytest.mark.parametrize(
    "content",
    [
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00",  # also every docx, odt, jar and apk
        b"PK\x05\x06" + bytes(18),
        b"PK\x07\x08\x00\x00\x00\x00",
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
        b"BZh91AY&SY",
        b"\xfd7zXZ\x00\x00\x04",
        b"\x28\xb5\x2f\xfd\x04\x58",
        b"7z\xbc\xaf\x27\x1c\x00\x04",
        b"Rar!\x1a\x07\x01\x00",
        b"Rar!\x1a\x07\x00",
        b"notes.txt".ljust(257, b"\x00") + b"ustar\x0000" + bytes(250),
        b"MSCF\x00\x00\x00\x00",
        b"!<arch>\ndebian-binary   ",
    ],
)
def test_archives_are_refused(content):
    assert refusal(content) == "archive"


def test_a_text_looking_tar_is_refused_as_an_archive_by_its_header():
    header = b"anmeldung.txt".ljust(100, b" ") + b"0000644 ".ljust(157, b" ") + b"ustar  "
    assert refusal(header + b"Hallo\n" * 100) == "archive"


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (b"MZ" + bytes(HEAD_SIZE * 4), "executable"),
        (b"PK\x03\x04" + bytes(HEAD_SIZE * 4), "archive"),
        (b"#!/usr/bin/env python3\n" + b"print('hi')\n" * 2000, "executable"),
    ],
)
def test_a_refusal_is_decided_in_feed_while_the_head_arrives_byte_by_byte(content, kind):
    inspector = ContentInspector()
    fed = 0
    with pytest.raises(ContentRefused) as refused:
        for byte in content:
            inspector.feed(bytes([byte]))
            fed += 1
    assert refused.value.kind == kind
    assert fed < 8  # refused with the magic itself, long before the head is full


def test_a_refused_inspector_keeps_refusing():
    inspector = ContentInspector()
    with pytest.raises(ContentRefused):
        inspector.feed(b"\x7fELF")
    with pytest.raises(ContentRefused):
        inspector.feed(b"more")
    with pytest.raises(ContentRefused):
        inspector.finish()


def test_text_that_turns_binary_after_ten_mebibytes_is_refused_at_finish():
    inspector = ContentInspector()
    line = "Meldebescheinigung für Jürgen Müller, Grandweg 12, Soest.\n".encode()
    text_chunk = (line * (MiB // len(line) + 1))[:MiB]
    for _ in range(10):
        inspector.feed(text_chunk)
    inspector.feed(b"\x00\x01\x02\x03" * (MiB // 4))
    assert inspector.media_type == "text/plain"  # a candidate, until the end is seen
    with pytest.raises(ContentRefused) as refused:
        inspector.finish()
    assert refused.value.kind == "not_text"


def test_text_cut_off_in_the_middle_of_a_character_is_refused():
    with pytest.raises(ContentRefused) as refused:
        feed_in_pieces(b"x" * HEAD_SIZE + "Grüße".encode()[:3], 1000).finish()
    assert refused.value.kind == "not_text"


def test_latin1_text_is_refused_as_not_utf8_text():
    assert refusal("Grüße aus Soest\n".encode("latin-1")) == "not_text"


@pytest.mark.parametrize("piece_size", [1, 2, 3, HEAD_SIZE - 1, HEAD_SIZE + 1])
def test_a_multibyte_character_split_across_chunks_is_accepted(piece_size):
    content = ("ä€𝄞 Straße " * 3000).encode()
    assert feed_in_pieces(content, piece_size).finish() == "text/plain"


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><html><body>Hallo</body></html>",
        b"\xef\xbb\xbf\n  <HTML>\n<script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?><svg/>',
        b"\t<script>alert(1)</script>",
    ],
)
def test_markup_is_refused(content):
    assert refusal(content) == "markup"


def test_text_mentioning_markup_further_on_is_plain_text():
    assert sniff(b"Bitte <html> nicht in den Text schreiben.\n") == "text/plain"


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf"])
def test_empty_content_is_refused(content):
    assert refusal(content) == "unknown"


def test_binary_content_of_no_known_type_is_refused():
    assert refusal(b"\x00\x01\x02\x03garbage" * 100) == "unknown"


def test_the_name_plays_no_role_only_the_bytes_are_read():
    # there is nothing to pass a file name or a declared type to: an executable renamed
    # "bescheid.pdf" and declared application/pdf is still the executable it is
    assert refusal(b"MZ\x90\x00") == "executable"
