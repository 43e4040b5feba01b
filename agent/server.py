"""The agent's HTTP link to the server: one `httpx.Client` with the device token, every answer's
`Date` header fed to the clock-offset meter, and the server's `Retry-After` read in one place."""

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from agent import __version__
from agent.clock import AgentClock, OffsetMeter, parse_http_date
from agent.state import Device

log = logging.getLogger("agent.server")


class Unreachable(Exception):
    """The server could not be reached (network down, refused, timed out)."""


class ServerClient:
    def __init__(self, device: Device, clock: AgentClock, offsets: OffsetMeter, *, timeout_s: float = 20.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.device = device
        self.clock = clock
        self.offsets = offsets
        self._http = httpx.Client(
            base_url=device.api, timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers={"Authorization": f"Bearer {device.token}", "User-Agent": f"loaxa-agent/{__version__}"},
            event_hooks={"response": [self._on_response]}, transport=transport, follow_redirects=True)
        # Media and streams need no token (docs/devices.md), and may live on another host: none is sent.
        self._media = httpx.Client(
            timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)),
            headers={"User-Agent": f"loaxa-agent/{__version__}"}, transport=transport, follow_redirects=True)

    def _on_response(self, response: httpx.Response) -> None:
        server_date = parse_http_date(response.headers.get("date"))
        if server_date is not None:
            self.offsets.add(server_date, self.clock.now())

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise Unreachable(f"{type(exc).__name__}: {exc}") from exc

    def absolute(self, url: str) -> str:
        return absolute_url(self.device.server, url)

    def stream(self, url: str, headers: dict[str, str] | None = None,
               timeout_s: float | None = None) -> Any:
        """A streamed GET of a media or stream URL, without the token (a context manager); a relative
        URL is the server's (see `absolute_url`)."""
        timeout = httpx.Timeout(timeout_s) if timeout_s is not None else httpx.USE_CLIENT_DEFAULT
        return self._media.stream("GET", self.absolute(url), headers=headers, timeout=timeout)

    def close(self) -> None:
        self._http.close()
        self._media.close()


def absolute_url(server: str, url: str) -> str:
    """`url` as fetched from `server`: absolute URLs unchanged; `/media/x.mp3` (a server that does not
    know its public address sends paths) below the server URL, whose own path (a reverse proxy's
    prefix, like the API's `/api/v1`) is kept; other relative paths resolved as a browser would."""
    if urlsplit(url).scheme:
        return url
    if url.startswith("//"):
        return urlsplit(server).scheme + ":" + url
    if url.startswith("/"):
        return server.rstrip("/") + url
    return urljoin(server.rstrip("/") + "/", url)


def retry_after_s(response: httpx.Response) -> float | None:
    """The server's `Retry-After` (seconds or an HTTP date) on a 429 or 503, else None."""
    if response.status_code not in (429, 503):
        return None
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def detail(response: httpx.Response) -> str:
    """The server's Vietnamese `detail`, or the start of its answer."""
    try:
        data = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(data, dict) and isinstance(data.get("detail"), str):
        return str(data["detail"])
    return str(data)[:200]
