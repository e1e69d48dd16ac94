"""A small TCP proxy on the loopback interface that a test can cut and restore.

``cut()`` drops every open connection at once (as a lost network or a restarted server
does) and refuses new ones until ``restore()``. Each connection is two pumping threads; all
of them end when the proxy is closed. Used as a context manager::

    with TcpProxy("127.0.0.1", 5432) as proxy:
        url = url_via(proxy)
        ...
        proxy.cut()
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType


class TcpProxy:
    """Forwards 127.0.0.1:<port> to ``target``; ``cut`` and ``restore`` the link."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._connected = True
        self._closed = False
        self.connections_cut = 0
        self._acceptor = threading.Thread(target=self._accept, name="proxy-accept", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def connected(self) -> bool:
        """Whether traffic passes."""
        return self._connected

    def cut(self) -> int:
        """Drop every open connection and refuse new ones; returns how many were dropped."""
        with self._lock:
            self._connected = False
            dropped = self._drop_all()
        self.connections_cut += dropped // 2
        return dropped // 2

    def restore(self) -> None:
        """Let connections through again."""
        with self._lock:
            self._connected = True

    def close(self) -> None:
        """Stop listening and drop everything."""
        with self._lock:
            self._closed = True
            self._connected = False
            self._drop_all()
        self._listener.close()
        self._acceptor.join(timeout=5)

    def _drop_all(self) -> int:
        dropped = len(self._open)
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._open.clear()
        return dropped

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # the listener was closed
            with self._lock:
                allowed = self._connected and not self._closed
            if not allowed:
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if not self._connected:
                    client.close()
                    upstream.close()
                    continue
                self._open.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(
                    target=self._pump, args=(source, sink), name="proxy-pump", daemon=True
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65_536)
                if not data:
                    break
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            for sock in (source, sink):
                if sock in self._open:
                    self._open.discard(sock)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()
