"""Articles from the web: fetch one URL, within limits, as the bytes an article reader reads.

Only http and https, with a time limit (``fetch_timeout_s``: to connect, between reads, and for
the whole download), a size cap (``max_file_mb``, the same cap as for files) checked before and
while reading, and at most ``fetch_max_redirects`` redirects, each to http(s) only. The page is
accepted when the server says it is HTML, PDF or plain text. Every failure is a
:class:`FetchError` that names the address and what to do; nothing is indexed here.

The fetched bytes are kept as they came (a page whose charset only the HTTP header declared is
re-encoded as UTF-8, so it reads the same on every rebuild); the final address after redirects
is the article's URL.

Whoever can reach the UI can make the server fetch an address it can reach, its own network
included: keep the UI on 127.0.0.1 (the default) or behind a login when that matters.
"""

from __future__ import annotations

import codecs
import http.client
import os
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from importlib.metadata import PackageNotFoundError, version
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from articleqa.index.corpus import safe_file_name
from articleqa.index.readers import ArticleError, ArticleFile
from articleqa.settings import Settings

ALLOWED_SCHEMES = ("http", "https")
# What a server may send, and the suffix the article is stored under (which picks its reader).
CONTENT_TYPES = {"text/html": ".html", "application/xhtml+xml": ".html",
                 "application/pdf": ".pdf", "text/plain": ".txt"}
_READ_CHUNK = 64 * 1024


class FetchError(ArticleError):
    """A URL that could not be fetched as an article; the message says why and what to do."""


def looks_like_url(text: str) -> bool:
    """True for 'scheme://…' (a URL to fetch or to refuse), False for a file path."""
    scheme, sep, _ = text.partition("://")
    return bool(sep) and scheme.isascii() and scheme.replace("+", "").replace(
        "-", "").replace(".", "").isalnum() and scheme[:1].isalpha()


def check_url(url: str) -> str:
    """``url`` stripped, when it is an http(s) address with a host; else a FetchError."""
    url = url.strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        raise FetchError(f"{url}: file:// addresses are not fetched; pass the file's path "
                         "instead")
    if scheme not in ALLOWED_SCHEMES:
        raise FetchError(f"{url}: unsupported address scheme {scheme or '(none)'!r}; only "
                         "http:// and https:// pages can be fetched (download the file and "
                         "add it by its path)")
    if "@" in parts.netloc:
        # Never echoed: the address is shown with its credentials masked. Not fetched: the
        # password would go to the server (and any redirect target) and stay in the index.
        raise FetchError(f"{_masked(url)}: addresses with a user name or password are not "
                         "fetched; save the page from your browser and add the file")
    try:
        parts.port  # noqa: B018 -- raises on a port that is not a number in range
    except ValueError as exc:
        raise FetchError(f"{url}: invalid address ({exc})") from exc
    if not parts.hostname or any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise FetchError(f"{url}: invalid address; expected e.g. https://example.org/page.html")
    return url


def fetch_article(url: str, settings: Settings) -> ArticleFile:
    """Download ``url`` as an article file named after its address (``<slug>.html``/.pdf/.txt)
    and carrying the final URL, within ``fetch_timeout_s`` of wall-clock time in all."""
    url = check_url(url)
    timeout = settings.fetch_timeout_s
    deadline = time.monotonic() + timeout
    request = urllib.request.Request(_as_uri(url), headers={
        "User-Agent": f"Mozilla/5.0 (compatible; articleqa/{_version()})",
        "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8",
        "Accept-Language": "it,en;q=0.8",
        "Accept-Encoding": "identity"})
    too_slow = (f"{url}: the download took longer than {timeout:g} s "
                "(ARTICLEQA_FETCH_TIMEOUT_S)")
    no_answer = (f"{url}: no answer from {urlsplit(url).netloc} within {timeout:g} s "
                 "(ARTICLEQA_FETCH_TIMEOUT_S)")
    answered = False
    with _Watchdog(timeout) as watchdog:
        opener = _opener(settings.fetch_max_redirects, watchdog)
        try:
            with opener.open(request, timeout=timeout) as response:
                answered = True
                final_url = response.geturl()
                suffix = _suffix(url, response.headers)
                data = _read_capped(url, response, settings.max_file_bytes, deadline, timeout)
                charset = response.headers.get_content_charset()
        except (ArticleError, urllib.error.URLError, TimeoutError, http.client.HTTPException,
                OSError) as exc:
            if watchdog.expired:  # its socket was shut at the deadline: whatever broke, why
                raise FetchError(too_slow if answered else no_answer) from None
            if isinstance(exc, ArticleError):
                raise
            if isinstance(exc, urllib.error.HTTPError):
                raise FetchError(_http_error(url, exc)) from None
            reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
            raise FetchError(_connection_error(url, reason, timeout)) from None
        if watchdog.expired:  # the socket was shut under a read: what came is not all
            raise FetchError(too_slow)
    if suffix is None:
        suffix = ".pdf" if data.startswith(b"%PDF-") else ".html"
    if suffix != ".pdf" and charset:
        data = _as_utf8(data, charset)
    return ArticleFile(_article_name(final_url, suffix), data, final_url)


class _Watchdog:
    """Shuts every socket of one fetch down when its wall-clock time is up.

    A socket timeout bounds each wait, not their sum: a server that sends one byte every half
    second holds a 5 s fetch for minutes (headers, chunked bodies and all), and a deadline
    checked between reads cannot interrupt a read. Shutting the socket down from a timer
    thread ends the blocked read at once; ``expired`` then tells a timeout from a real
    connection error or a short body."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed
        pass


def _watched(base: type[http.client.HTTPConnection], watchdog: _Watchdog
             ) -> type[http.client.HTTPConnection]:
    """``base`` whose sockets (the TCP one, before any TLS handshake) the watchdog can shut."""

    class Watched(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, **kwargs)
            create = self._create_connection

            def create_watched(*args: object, **kwargs: object) -> socket.socket:
                sock = create(*args, **kwargs)
                watchdog.watch(sock)
                return sock

            self._create_connection = create_watched

    return Watched


class _WatchedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self.watchdog = watchdog

    def http_open(self, req):
        return self.do_open(_watched(http.client.HTTPConnection, self.watchdog), req)


class _WatchedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, watchdog: _Watchdog) -> None:
        super().__init__()
        self.watchdog = watchdog

    def https_open(self, req):
        return self.do_open(_watched(http.client.HTTPSConnection, self.watchdog), req,
                            context=self._context)


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows at most ``limit`` redirects, and only to http(s) addresses."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.followed = 0
        self.max_redirections = limit + 1  # our own check below speaks first

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme.lower() not in ALLOWED_SCHEMES:
            fp.close()
            raise FetchError(f"{req.full_url}: redirected to {newurl}, which is not an http(s) "
                             "address; not followed")
        self.followed += 1
        if self.followed > self.limit:
            fp.close()
            raise FetchError(f"{req.full_url}: more than {self.limit} redirects "
                             "(ARTICLEQA_FETCH_MAX_REDIRECTS); open it in a browser and add "
                             "the address it ends at")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener(max_redirects: int, watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """An opener with the http(s) handlers only: no file://, ftp:// or data: handler exists,
    so no redirect can reach one. Its connections are shut by ``watchdog`` at the deadline."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.ProxyHandler(), _WatchedHTTPHandler(watchdog),
                    _WatchedHTTPSHandler(watchdog), urllib.request.HTTPDefaultErrorHandler(),
                    _LimitedRedirects(max_redirects), urllib.request.HTTPErrorProcessor()):
        opener.add_handler(handler)
    return opener


def _suffix(url: str, headers: Message) -> str | None:
    """The article suffix for the response's content type; None when the server sent none."""
    if not headers.get("Content-Type"):
        return None
    kind = headers.get_content_type()
    if kind not in CONTENT_TYPES:
        raise FetchError(f"{url}: the server sent {kind}, not a web page; only HTML pages, "
                         "PDFs and plain text can be added")
    return CONTENT_TYPES[kind]


def _read_capped(url: str, response: http.client.HTTPResponse, max_bytes: int,
                 deadline: float, timeout: float) -> bytes:
    """The body, refused as soon as it is known to be over ``max_bytes`` or too slow."""
    limit = (f"over the {max_bytes / 1e6:g} MB limit (ARTICLEQA_MAX_FILE_MB); save the "
             "article's text and add that instead")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"{url}: the page is {int(declared) / 1e6:.1f} MB, {limit}")
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(_READ_CHUNK):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"{url}: the page is larger than the limit: {limit}")
        if time.monotonic() > deadline:
            raise FetchError(f"{url}: the download took longer than {timeout:g} s "
                             "(ARTICLEQA_FETCH_TIMEOUT_S)")
        chunks.append(chunk)
    data = b"".join(chunks)
    if not data.strip():
        raise FetchError(f"{url}: the server sent an empty page")
    return data


def _http_error(url: str, exc: urllib.error.HTTPError) -> str:
    exc.close()
    code = exc.code
    if 300 <= code < 400:
        return f"{url}: a redirect could not be followed ({exc.reason})"
    if code == 404 or code == 410:
        return f"{url}: page not found (HTTP {code}); check the address"
    if code in (401, 402, 403):
        return (f"{url}: access refused (HTTP {code}); the page may need a login or refuse "
                "automated readers: save it from your browser and add the .html or .pdf file")
    if code == 429 or code >= 500:
        return f"{url}: the server failed (HTTP {code} {exc.reason}); try again later"
    return f"{url}: the server answered HTTP {code} {exc.reason}"


def _connection_error(url: str, reason: object, timeout: float) -> str:
    host = urlsplit(url).netloc
    if isinstance(reason, socket.gaierror):
        return f"{url}: host {urlsplit(url).hostname} not found; check the address and the network"
    if isinstance(reason, ConnectionRefusedError):
        return f"{url}: {host} refused the connection; check the address and port"
    if isinstance(reason, TimeoutError):
        return f"{url}: no answer from {host} within {timeout:g} s (ARTICLEQA_FETCH_TIMEOUT_S)"
    if isinstance(reason, ssl.SSLError):
        return f"{url}: secure connection to {host} failed ({reason})"
    return f"{url}: could not fetch the page ({reason})"


def _as_utf8(data: bytes, charset: str) -> bytes:
    """Bytes in the charset the HTTP header declared, as UTF-8 (which the readers try first)."""
    try:
        codec = codecs.lookup(charset).name
    except LookupError:
        return data
    if codec == "utf-8":
        return data
    try:
        data.decode("utf-8")
        return data  # already valid UTF-8 whatever the header says
    except UnicodeDecodeError:
        return data.decode(codec, errors="replace").encode("utf-8")


def _masked(url: str) -> str:
    """``url`` with whatever stands before an '@' in its host part replaced by ***."""
    scheme, sep, rest = url.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme}{sep}***@{host.rsplit('@', 1)[-1]}{slash}{path}"


def _as_uri(url: str) -> str:
    """An address as pasted from a browser ('https://host/東京….html', an IDN host) in the
    ASCII form HTTP sends: non-ASCII path and query characters percent-encoded (existing
    escapes kept), the host in IDNA."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    if not netloc.isascii() and parts.hostname:
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise FetchError(f"{url}: invalid host name ({exc})") from None
        netloc = host + (f":{parts.port}" if parts.port else "")
    keep = "/:@!$&'()*+,;=%~-._"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe=keep),
                       quote(parts.query, safe=keep + "?"), quote(parts.fragment, safe=keep)))


def _article_name(url: str, suffix: str) -> str:
    """'https://host/news/frana-brennero.shtml' -> 'frana-brennero.html'; the host when the
    path has no name."""
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    stem = os.path.splitext(segments[-1])[0] if segments else ""
    return safe_file_name((stem or parts.hostname or "article") + suffix)


def _version() -> str:
    try:
        return version("articleqa")
    except PackageNotFoundError:
        return "dev"
