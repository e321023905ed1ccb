"""Guards of the web app: ASGI middleware for login throttling and request-size limits, and
per-client slots for slow work.

Gradio's own login accepts guesses as fast as they come (~130 a second here), and its API
reads request bodies of any size. Both are stopped before Gradio sees the request. Fetching a
URL waits on someone else's server: ``ClientSlots`` keeps one client from holding every slot.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


async def _reply(send: Send, status: int, detail: str, headers: dict[str, str] | None = None
                 ) -> None:
    body = json.dumps({"detail": detail}).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


@dataclass(slots=True)
class _Failures:
    count: int = 0
    last: float = 0.0


class LoginThrottle:
    """After ``free_attempts`` failed logins from one client, each further attempt waits an
    exponentially growing delay (1 s, 2 s, 4 s … up to ``max_delay_s``); a success resets it,
    and so does ``forget_after_s`` without a failure. During the delay every attempt is
    answered 429 with Retry-After, right or wrong. A client is the connection's address
    (``scope["client"]``), which X-Forwarded-For rewrites only from the trusted proxies
    (``Settings.trusted_proxies``, set for uvicorn by ``ui.app.launch``)."""

    def __init__(self, app: ASGIApp, free_attempts: int = 5, max_delay_s: float = 300.0,
                 forget_after_s: float = 3600.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.app = app
        self.free_attempts = free_attempts
        self.max_delay_s = max_delay_s
        self.forget_after_s = max(forget_after_s, max_delay_s)
        self.clock = clock
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait_for(self, client: str) -> float:
        """Seconds ``client`` must wait before its next login attempt counts."""
        with self._lock:
            record = self._failures.get(client)
            if record is None or record.count < self.free_attempts:
                return 0.0
            delay = min(self.max_delay_s, 2.0 ** (record.count - self.free_attempts))
            return max(0.0, record.last + delay - self.clock())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST" or \
                not scope.get("path", "").rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("unknown", 0))[0]
        wait = self.wait_for(client)
        if wait > 0:
            await _reply(send, 429, f"Too many failed logins; try again in {wait:.0f} s.",
                         {"retry-after": str(max(1, round(wait)))})
            return
        status: list[int] = []

        async def watch(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 300:
            self.succeeded(client)
        elif status and status[0] in (400, 401, 403):
            self.failed(client)

    def failed(self, client: str) -> None:
        with self._lock:
            now = self.clock()
            self._forget_quiet_clients(now)
            record = self._failures.setdefault(client, _Failures())
            record.count += 1
            record.last = now

    def _forget_quiet_clients(self, now: float) -> None:
        """Drop clients with no failure for ``forget_after_s`` (at least the longest delay):
        without this the table grows by one entry per address that ever failed."""
        quiet = [c for c, r in self._failures.items() if now - r.last > self.forget_after_s]
        for client in quiet:
            del self._failures[client]

    @property
    def tracked_clients(self) -> int:
        with self._lock:
            return len(self._failures)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


class BodyLimit:
    """Requests with a body larger than ``max_bytes`` (uploads: ``upload_max_bytes``) are
    answered 413 before the application reads them."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_max_bytes if "/upload" in scope.get("path", "") else self.max_bytes
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reply(send, 413, f"Request body over {limit} bytes.")
            return
        seen = 0

        async def counted() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        try:
            await self.app(scope, counted, send)
        except BodyTooLarge:
            await _reply(send, 413, f"Request body over {limit} bytes.")


class BodyTooLarge(Exception):
    """A streamed request body went over the limit."""


class ClientSlots:
    """At most ``per_client`` pieces of work in flight for one client (an address).

    The app's queue runs a few fetches at once; without this, one client pasting slow URLs
    fills them all and every other client's good URL waits behind it. A client over its share
    is told at once instead of queued."""

    def __init__(self, per_client: int = 1) -> None:
        self.per_client = per_client
        self._busy: Counter[str] = Counter()
        self._lock = threading.Lock()

    @contextmanager
    def hold(self, client: str) -> Iterator[bool]:
        """Yields whether ``client`` got a slot (and holds it until the block ends)."""
        with self._lock:
            granted = self._busy[client] < self.per_client
            if granted:
                self._busy[client] += 1
        try:
            yield granted
        finally:
            if granted:
                with self._lock:
                    self._busy[client] -= 1
                    if not self._busy[client]:
                        del self._busy[client]
