"""A small TCP proxy on the loopback interface that a test can cut and restore.

``cut()`` drops every open connection at once (as a lost network or a restarted server
does) and refuses new ones until ``restore()``. Each connection is two pumping threads; all
of them end when the proxy is closed.

To cut *during* an operation without sleeping and hoping, ``stall()`` holds every byte in
both directions: start the operation, ``wait_until_held()`` (its request is now on the wire
and unanswered), then ``cut()``. ``cut_on_reply_to(marker)`` lets a client message holding
``marker`` through, and drops the link the moment the server answers it: with PostgreSQL's
``COMMIT`` message that is a commit the server made whose reply the client never gets.
Used as a context manager::

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
        # Wakes pumps holding data when the proxy is cut, restored or closed.
        self._changed = threading.Condition(self._lock)
        self._open: set[socket.socket] = set()
        # The server's side of each connection, and those a silent cut left open.
        self._upstreams: set[socket.socket] = set()
        self._abandoned: list[socket.socket] = []
        self._connected = True
        self._closed = False
        self._stalled = False
        self._stall_marker: bytes | None = None
        self._held = 0
        self._reply_marker: bytes | None = None
        # Client sockets whose next answer from the server is dropped (and the link cut).
        self._doomed_clients: set[socket.socket] = set()
        self.connections_cut = 0
        self.replies_dropped = 0
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

    @property
    def held(self) -> int:
        """Chunks of traffic held back since the last ``stall()``."""
        with self._lock:
            return self._held

    def cut(self, *, silently: bool = False) -> int:
        """Drop every open connection and refuse new ones; returns how many were dropped.

        ``silently``: only the app's side is closed; the server's side stays open and quiet
        (until ``close``), as when a network drops packets and nobody tells the server.
        """
        with self._lock:
            self._connected = False
            self._stalled = False
            self._stall_marker = None
            self._reply_marker = None
            servers_side = self._open & self._upstreams
            dropped = len(servers_side)
            if silently:
                self._abandoned.extend(servers_side)
                self._open -= servers_side
            self._drop_all()
            self.connections_cut += dropped
            self._changed.notify_all()
        return dropped

    def restore(self) -> None:
        """Let connections and traffic through again (ends a stall too)."""
        with self._lock:
            self._connected = True
            self._stalled = False
            self._stall_marker = None
            self._changed.notify_all()

    def stall(self, at: bytes | None = None) -> None:
        """Hold every byte in both directions (connections stay open) until cut or restored.

        With ``at``, traffic flows until a client message containing ``at`` (a statement's
        text), which is held with everything after it.
        """
        with self._lock:
            self._stall_marker = at
            self._stalled = at is None
            self._held = 0

    def wait_until_held(self, timeout_s: float = 10.0) -> bool:
        """Wait until a stalled proxy holds some traffic: a request is on its way, unanswered."""
        with self._lock:
            return self._changed.wait_for(lambda: self._held > 0, timeout=timeout_s)

    def cut_on_reply_to(self, marker: bytes) -> None:
        """Forward the next client message containing ``marker``; cut when the server answers it."""
        with self._lock:
            self._reply_marker = marker

    def close(self) -> None:
        """Stop listening and drop everything."""
        with self._lock:
            self._closed = True
            self._connected = False
            self._stalled = False
            self._drop_all()
            for sock in self._abandoned:
                sock.close()
            self._abandoned.clear()
            self._changed.notify_all()
        self._listener.close()
        self._acceptor.join(timeout=5)

    def _drop_all(self) -> int:
        dropped = len(self._open)
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._open.clear()
        self._upstreams.clear()
        self._doomed_clients.clear()
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
                self._upstreams.add(upstream)
            for source, sink, from_client in ((client, upstream, True), (upstream, client, False)):
                threading.Thread(
                    target=self._pump,
                    args=(source, sink, from_client),
                    name="proxy-pump",
                    daemon=True,
                ).start()

    def _pump(self, source: socket.socket, sink: socket.socket, from_client: bool) -> None:
        try:
            while True:
                data = source.recv(65_536)
                if not data:
                    break
                if not self._let_through(source, sink, from_client, data):
                    break
                sink.sendall(data)
        except OSError:
            pass
        with self._lock:
            self._doomed_clients.discard(source if from_client else sink)
            for sock in (source, sink):
                if sock in self._open:
                    self._open.discard(sock)
                    self._upstreams.discard(sock)
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                    sock.close()

    def _let_through(
        self, source: socket.socket, sink: socket.socket, from_client: bool, data: bytes
    ) -> bool:
        """Whether ``data`` may go on (False: the link was cut while it waited, or by it)."""
        with self._lock:
            if from_client and self._stall_marker is not None and self._stall_marker in data:
                self._stall_marker = None
                self._stalled = True
            if self._stalled:
                self._held += 1
                self._changed.notify_all()
                self._changed.wait_for(lambda: not self._stalled or source not in self._open)
            if source not in self._open:
                return False
            if from_client and self._reply_marker is not None and self._reply_marker in data:
                # Doomed before the message leaves, so its answer cannot slip past.
                self._reply_marker = None
                self._doomed_clients.add(source)
                return True
            doomed = not from_client and sink in self._doomed_clients
        if doomed:
            # The server has answered (for a COMMIT: the transaction is durable); the client
            # never hears it.
            with self._lock:
                self.replies_dropped += 1
            self.cut()
            return False
        return True
