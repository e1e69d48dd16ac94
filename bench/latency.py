"""A TCP proxy on the loopback interface that delays every client→server message.

``python -m bench.latency --target 127.0.0.1:5432 --delay-ms 20`` listens on a free port of
127.0.0.1, prints ``listening <port>`` and forwards each connection to the target. Every
chunk the client sends reaches the server ``delay`` later (in order; a chunk is one read,
which for a PostgreSQL client is one message or one pipelined batch); the answers come
back at once. So each query's round trip costs 20 ms more, like a server one WAN hop away.
It stops when standard input closes (its parent went away) or on SIGTERM.

``LatencyProxy`` runs it as a child process (its own interpreter, so the proxy's work
never competes with the measured process for the GIL) and hands out its URL.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Sequence
from types import TracebackType

from sqlalchemy.engine import make_url

CHUNK = 65_536


async def _delayed_pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay_s: float
) -> None:
    """Forward what ``reader`` gives, each chunk ``delay_s`` after it arrived, in order."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        while True:
            data = await reader.read(CHUNK)
            queue.put_nowait((loop.time() + delay_s, data))
            if not data:
                break
        await sender
    finally:
        sender.cancel()
        with contextlib.suppress(Exception):
            writer.close()


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(CHUNK):
            writer.write(data)
            await writer.drain()
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _serve(target: tuple[str, int], delay_s: float) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(*target)
        except OSError:
            client_w.close()
            return
        # A link reset, or the proxy stopping (which cancels this task): either way, done.
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await asyncio.gather(
                _delayed_pump(client_r, server_w, delay_s), _pump(server_r, client_w)
            )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"listening {port}\n")
    sys.stdout.flush()
    loop = asyncio.get_running_loop()
    # Ends when the parent closes our standard input (or dies).
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the proxy until standard input closes."""
    parser = argparse.ArgumentParser(prog="python -m bench.latency", description=__doc__)
    parser.add_argument("--target", default="127.0.0.1:5432", help="host:port to forward to")
    parser.add_argument("--delay-ms", type=float, default=20.0, help="added per client message")
    args = parser.parse_args(argv)
    host, _, port = args.target.rpartition(":")
    if not host or not port.isdigit() or args.delay_ms < 0:
        parser.error("use --target HOST:PORT and --delay-ms >= 0")
    asyncio.run(_serve((host, int(port)), args.delay_ms / 1000))
    return 0


class LatencyProxy:
    """``python -m bench.latency`` as a child process; ``url_for`` routes a URL through it."""

    def __init__(self, target_host: str, target_port: int, delay_ms: float) -> None:
        self.delay_ms = delay_ms
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "bench.latency",
                "--target",
                f"{target_host}:{target_port}",
                "--delay-ms",
                str(delay_ms),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline().split()
        if len(line) != 2 or line[0] != "listening":
            self.close()
            raise RuntimeError(f"the latency proxy did not start (said {line!r})")
        self.port = int(line[1])

    def url_for(self, url: str) -> str:
        """``url`` with its host and port replaced by the proxy's."""
        return (
            make_url(url)
            .set(host="127.0.0.1", port=self.port)
            .render_as_string(hide_password=False)
        )

    def close(self) -> None:
        """Stop the proxy (closing its standard input), killing it if it lingers."""
        if self.process.stdin is not None:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        deadline = time.monotonic() + 5
        while self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> LatencyProxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


if __name__ == "__main__":
    raise SystemExit(main())
