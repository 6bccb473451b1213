"""Scanning uploads for viruses with clamd (a local double speaking its protocol), or not at all."""

from __future__ import annotations

import socket
import threading

import pytest

from services.documents.scanning import (
    ClamdScanner,
    NoScanner,
    ScannerUnavailable,
    Verdict,
    scanner_from_address,
)
from tests.support.clamd import EICAR

MiB = 1024 * 1024


def test_clean_content_gets_a_clean_verdict(fake_clamd):
    verdict = ClamdScanner(fake_clamd.address).scan([b"Meldebescheinigung\n"])

    assert verdict == Verdict(clean=True, signature=None, scanner="clamd")
    assert fake_clamd.scanned == 1


def test_the_eicar_test_file_is_reported_with_its_signature(fake_clamd):
    verdict = ClamdScanner(fake_clamd.address).scan([EICAR])

    assert verdict == Verdict(clean=False, signature="Eicar-Test-Signature", scanner="clamd")


def test_content_in_many_chunks_over_a_mebibyte_is_streamed_in_pieces_clamd_accepts(
    fake_clamd,
):
    # small chunks, one larger than a piece may be, and the test string across two chunks
    chunks = [b"a" * 1000] * 500 + [b"b" * (3 * MiB + 17), b"", EICAR[:20], EICAR[20:]]

    verdict = ClamdScanner(f"tcp://{fake_clamd.address}").scan(iter(chunks))

    assert verdict.signature == "Eicar-Test-Signature"
    assert fake_clamd.largest_piece == MiB


def test_an_unreachable_scanner_is_unavailable(fake_clamd):
    fake_clamd.refuse_connections()

    with pytest.raises(ScannerUnavailable):
        ClamdScanner(fake_clamd.address, timeout=2).scan([b"Antrag"])


def test_a_scanner_over_its_size_limit_is_unavailable(fake_clamd):
    fake_clamd.size_limit = MiB

    with pytest.raises(ScannerUnavailable) as unavailable:
        ClamdScanner(fake_clamd.address, timeout=5).scan([b"x" * (4 * MiB)])

    assert fake_clamd.scanned == 0
    assert "size limit exceeded" in str(unavailable.value)


def test_a_scanner_that_never_answers_is_unavailable():
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        with pytest.raises(ScannerUnavailable):
            ClamdScanner(f"127.0.0.1:{port}", timeout=0.5).scan([b"Antrag"])


def test_a_scanner_answering_garbage_is_unavailable():
    with socket.create_server(("127.0.0.1", 0)) as server:
        answering = threading.Thread(target=answer_once, args=(server, b"HELLO\0"))
        answering.start()
        with pytest.raises(ScannerUnavailable) as unavailable:
            ClamdScanner(f"127.0.0.1:{server.getsockname()[1]}", timeout=2).scan([b"Antrag"])
        answering.join()
    assert "HELLO" in str(unavailable.value)


def answer_once(server: socket.socket, answer: bytes) -> None:
    connection, _ = server.accept()
    with connection:
        connection.recv(65536)
        connection.sendall(answer)


def test_an_empty_address_means_no_scanner():
    assert isinstance(scanner_from_address(""), NoScanner)
    assert isinstance(scanner_from_address(None), NoScanner)
    assert NoScanner().scan([b"anything"]) == Verdict(clean=True, scanner="none")


def test_an_address_names_clamd_over_tcp_or_a_unix_socket():
    assert isinstance(scanner_from_address("clamav:3310"), ClamdScanner)
    assert isinstance(scanner_from_address("unix:///run/clamav/clamd.ctl"), ClamdScanner)
    assert isinstance(scanner_from_address("/run/clamav/clamd.ctl"), ClamdScanner)
    with pytest.raises(ValueError):
        scanner_from_address("clamav")


def test_ping_tells_whether_clamd_answers(fake_clamd):
    scanner = ClamdScanner(fake_clamd.address, timeout=2)
    assert scanner.ping()

    fake_clamd.refuse_connections()
    assert not scanner.ping()
