"""A real HTTP receiver that records the JSON bodies POSTed to it.

Used by the unit tests (bound to 127.0.0.1) and by the integration tests, where the
stack's containers post to it through `host.docker.internal` (docker-compose.yml maps
that name to the host's Docker bridge address).
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Record = dict[str, Any]


class _Recorder(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"null")
        except ValueError:
            # Kept, not dropped: a malformed notice is what a test must see.
            body = raw.decode("utf-8", "replace")
        with self.server.lock:  # type: ignore[attr-defined]
            self.server.received.append(  # type: ignore[attr-defined]
                {"path": self.path, "headers": dict(self.headers), "body": body}
            )
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        return


@dataclass
class HttpReceiver:
    url: str
    server: http.server.ThreadingHTTPServer

    @property
    def received(self) -> list[Record]:
        with self.server.lock:  # type: ignore[attr-defined]
            return list(self.server.received)  # type: ignore[attr-defined]

    def matching(self, predicate: Callable[[Record], bool]) -> list[Record]:
        return [record for record in self.received if predicate(record)]

    def wait_for(
        self, predicate: Callable[[Record], bool], timeout_s: float, settle_s: float = 0.0
    ) -> list[Record]:
        """The records matching `predicate` once there is one, after `settle_s` more
        seconds (to catch duplicates); empty if none came within `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while not self.matching(predicate) and time.monotonic() < deadline:
            time.sleep(0.5)
        if settle_s and self.matching(predicate):
            time.sleep(settle_s)
        return self.matching(predicate)


@contextmanager
def http_receiver_on(
    host: str, port: int = 0, public_host: str | None = None
) -> Iterator[HttpReceiver]:
    """Serve on host:port (0: any free port); its URL names `public_host` if given."""
    server = http.server.ThreadingHTTPServer((host, port), _Recorder)
    server.received = []  # type: ignore[attr-defined]
    server.lock = threading.Lock()  # type: ignore[attr-defined]
    server.status = 200  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://{public_host or host}:{server.server_address[1]}/hook"
        yield HttpReceiver(url, server)
    finally:
        server.shutdown()
        server.server_close()
