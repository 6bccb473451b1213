"""A gateway that was killed, not stopped, gives its port back: its successor starts on it,
and every connection reaches the successor."""

from __future__ import annotations

import socket

import requests


def test_a_killed_gateway_frees_its_port_for_the_next_one(start_gateway, web_config_port):
    first = start_gateway()
    first.kill()

    with socket.socket() as successor:  # what a restarted gateway does first
        successor.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        successor.bind(("127.0.0.1", web_config_port))
        successor.listen()


def test_every_connection_reaches_the_gateway_started_after_a_killed_one(
    start_gateway, web_config_port
):
    start_gateway().kill()
    start_gateway()
    url = f"http://127.0.0.1:{web_config_port}/api/v1/openapi.json"

    # a fresh connection each: the kernel would hand some to a socket still listening
    # for the killed one, where nobody accepts them. The gateway runs in this process, so
    # a pause of its garbage collector holds both sides: the wait is generous
    answers = [requests.get(url, timeout=30).status_code for _ in range(20)]

    assert answers == [200] * 20
