"""A TCP relay on loopback in front of a real server (PostgreSQL): while it is closed, the
server is away for whoever reaches it through the relay, as in a restart: the connections
it carried are cut and new ones are refused. Opened again, the server is back."""

from __future__ import annotations

import contextlib
import socket

import eventlet
from eventlet.greenthread import GreenThread

from tests.support.processes import free_port


class TcpRelay:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._acceptor = None
        self._carried: set[socket.socket] = set()
        self._pumps: set[GreenThread] = set()

    def open(self) -> TcpRelay:
        self._listener = eventlet.listen(("127.0.0.1", self.port))
        self._acceptor = eventlet.spawn(self._accept, self._listener)
        return self

    def close(self) -> None:
        if self._acceptor is not None:
            self._acceptor.kill()
        if self._listener is not None:
            self._listener.close()
        self._listener = self._acceptor = None
        # killed, not left to find their sockets closed: a greenthread still waiting on a
        # closed socket's fd keeps its listener in the hub, and the next connection given
        # that fd number (psycopg2's, which eventlet does not see opened) is refused as a
        # second reader
        for pump in list(self._pumps):
            pump.kill()
        self._pumps.clear()
        for end in list(self._carried):
            _shut(end)
        self._carried.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            client, _ = listener.accept()
            try:
                server = eventlet.connect(self.target)
            except OSError:
                _shut(client)
                continue
            self._carried |= {client, server}
            self._pumps |= {
                eventlet.spawn(self._pump, client, server),
                eventlet.spawn(self._pump, server, client),
            }

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except (OSError, EOFError):  # eventlet's EOFError: the socket was closed under it
            pass  # cut: the relay was closed, or the other end went
        finally:
            for end in (source, sink):
                _shut(end)
                self._carried.discard(end)
            self._pumps.discard(eventlet.getcurrent())


def _shut(end: socket.socket) -> None:
    with contextlib.suppress(OSError):
        end.shutdown(socket.SHUT_RDWR)
    end.close()
