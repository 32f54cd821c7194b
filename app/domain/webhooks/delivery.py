"""One attempt of one delivery over HTTP (W-2, W-4): the body and headers of the Standard Webhooks
scheme, one shared `httpx.AsyncClient` (15 s timeout, redirects not followed), and what came back.
Never raises for the receiver's faults: every outcome is an `Outcome` to record."""

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from app import clock
from app.domain.errors import DomainError
from app.domain.webhooks import signing, ssrf

TIMEOUT_S = 15.0
BODY_LIMIT = 2048
_client: httpx.AsyncClient | None = None
_loop: asyncio.AbstractEventLoop | None = None


def client() -> httpx.AsyncClient:
    """The process's one client (connection pooling across attempts); a new event loop gets its own."""
    global _client, _loop
    loop = asyncio.get_running_loop()
    if _client is None or _loop is not loop:
        _client = httpx.AsyncClient(
            timeout=TIMEOUT_S,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=200, max_keepalive_connections=50),
        )
        _loop = loop
    return _client


async def close() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None


@dataclass(frozen=True)
class Message:
    event_id: int
    type: str
    account_id: int
    sdk_app_id: int | None
    sequence: int
    occurred_at: datetime
    data: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    at: datetime
    http_status: int | None
    duration_ms: int
    error: str | None
    response_body: str | None
    retry_after_s: float | None = None

    @property
    def ok(self) -> bool:
        return self.http_status is not None and 200 <= self.http_status < 300


def body_of(m: Message) -> str:
    """W-2: exactly these members; `data` an object, ids as the API shows them."""
    data = json.loads(m.data) if isinstance(m.data, str) else m.data
    return json.dumps(
        {
            "id": str(m.event_id),
            "type": m.type,
            "accountId": str(m.account_id),
            "sdkAppId": m.sdk_app_id,
            "sequence": m.sequence,
            "occurredAt": m.occurred_at.astimezone(UTC).isoformat(),
            "data": data,
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )


def headers_of(m: Message, body: str, at: datetime, secrets: list[str]) -> dict[str, str]:
    msg_id = str(m.event_id)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": signing.signature_header(msg_id, at, body, secrets),
        "user-agent": "RoomKit-Billing-Webhooks/1",
    }


def _retry_after(response: httpx.Response, at: datetime) -> float | None:
    value = response.headers.get("retry-after")
    if value is None or response.status_code not in (429, 503):
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - at).total_seconds()) if when.tzinfo else None


async def attempt(url: str, m: Message, secrets: list[str], at: datetime) -> Outcome:
    body = body_of(m)
    started = clock.monotonic()  # a duration, not a reading of the time of day

    def elapsed() -> int:
        return int((clock.monotonic() - started) * 1000)

    try:
        await ssrf.check(url, at_attempt=True)
    except DomainError as e:
        return Outcome(at, None, elapsed(), f"{e.code}: {e.message}", None)
    except OSError as e:
        return Outcome(at, None, elapsed(), f"DNS: {type(e).__name__}", None)
    try:
        response = await client().post(url, content=body.encode(), headers=headers_of(m, body, at, secrets))
    except httpx.TimeoutException:
        return Outcome(at, None, elapsed(), f"timeout after {TIMEOUT_S:.0f} s", None)
    except httpx.HTTPError as e:
        return Outcome(at, None, elapsed(), f"{type(e).__name__}: {str(e)[:300]}", None)
    text = response.text[:BODY_LIMIT] if response.content else None
    error = None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    if 300 <= response.status_code < 400:
        error = f"HTTP {response.status_code}: redirects are not followed"
    return Outcome(at, response.status_code, elapsed(), error, text, _retry_after(response, at))
