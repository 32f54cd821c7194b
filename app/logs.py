"""Structured logs (O-2): one JSON object per line on stderr, for our own lines (structlog) and
for every stdlib logger (uvicorn, arq, strawberry) through the same formatter.

Each line has `time`, `level`, `message`; request lines add `request_id` (taken from
X-Request-ID when it is a sane id, else made, and echoed in the response), `operation`, `role`,
`account`, `duration_ms`, `outcome`. Secrets never reach the output: nothing logs headers,
variables or bodies, and a last processor blanks anything shaped like one of our tokens, a
webhook secret (`whsec_…`), a webhook signature (`v1,…`), a bearer credential, or a value
registered with `add_secret` (the bootstrap OPERATOR token).
"""

import json
import logging
import os
import re
import sys
from contextvars import ContextVar
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from app import clock

REDACTED = "[REDACTED]"
SECRET_SHAPES = [
    r"rk_[a-z]+_[A-Za-z0-9_\-]{16,}",  # API tokens (accounts.service._new_token)
    r"whsec_[A-Za-z0-9+/=_\-]+",  # Standard Webhooks signing secrets
    r"\bv1[,=][A-Za-z0-9+/=_\-]{16,}",  # Standard Webhooks signatures
    r"(?i:\bbearer)\s+[^\s\"',}]+",
]
# One alternation, one pass over each string: every log line (one per request) is scrubbed.
SECRET_PATTERN = re.compile("|".join(SECRET_SHAPES))
_exact: set[str] = set()
MIN_SECRET = 6  # no secret shape, nor a registered secret, is shorter
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
QUIET_PATHS = ("/healthz", "/readyz", "/metrics")  # probes and scrapes: debug level only

_request: ContextVar[dict | None] = ContextVar("request_log", default=None)
_configured = False
log = structlog.get_logger("roomkit")


def add_secret(value: str | None) -> None:
    if value and len(value) >= MIN_SECRET:
        _exact.add(value)


def redact(text: str) -> str:
    for secret in _exact:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return SECRET_PATTERN.sub(REDACTED, text)


OWN_KEYS = frozenset({"time", "level", "duration_ms", "status"})  # written by us, never secret


def _scrub(value):
    if isinstance(value, str):
        return redact(value) if len(value) >= MIN_SECRET else value
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


def _redact_processor(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    return {k: v if k in OWN_KEYS else _scrub(v) for k, v in event_dict.items()}


def _stringify_event(logger: WrappedLogger, method: str, event_dict: EventDict) -> EventDict:
    # stdlib loggers may log objects (strawberry logs the GraphQLError itself)
    event = event_dict.get("event")
    if event is not None and not isinstance(event, str):
        event_dict["event"] = str(event)
    return event_dict


SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
]
FINAL: list[Processor] = [
    _stringify_event,
    structlog.processors.format_exc_info,
    _redact_processor,
    structlog.processors.EventRenamer("message"),
    structlog.processors.JSONRenderer(ensure_ascii=False, default=str),
]


def formatter() -> structlog.stdlib.ProcessorFormatter:
    """For stdlib records (uvicorn, arq, strawberry, tortoise): the same keys and the same scrub."""
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED, structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *FINAL],
    )


def configure(level: str = "INFO", stream=None) -> None:
    """JSON lines on `stream` (stderr) for structlog and the whole stdlib logging tree."""
    global _configured
    from app.settings import get_settings

    add_secret(get_settings().roomkit_operator_token)
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "arq", "arq.worker", "strawberry.execution"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []  # theirs would print a second, plain copy
        logger.propagate = True
    # Our own lines (one per request) skip the stdlib machinery: rendered and written directly,
    # about a fifth of the CPU of a stdlib record through ProcessorFormatter.
    structlog.configure(
        processors=[*SHARED, *FINAL],
        logger_factory=structlog.WriteLoggerFactory(file=stream),
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=False,  # tests re-configure; the lookup is cheap
    )
    global _sink
    _sink = (stream, logging.getLevelName(level))
    _configured = True


# Where `request_line` writes, and from which level: set by `configure`.
_sink: tuple[Any, int] | None = None


def request_line(level: int, request_id: str, **fields: Any) -> None:
    """The one line per request, with the keys and the scrub of every other line, rendered
    without the structlog processor chain: on a cached answer (a few hundred microseconds in all)
    the chain was a fifth of the cost. Until `configure` ran (or after structlog was reset), the
    line goes through structlog like any other."""
    if _sink is None or not structlog.is_configured():
        (log.debug if level <= logging.DEBUG else log.info)("request", request_id=request_id, **fields)
        return
    stream, threshold = _sink
    if level < threshold:
        return
    line = {k: _scrub(v) for k, v in fields.items()}
    line["request_id"] = _scrub(request_id)
    line["level"] = "debug" if level <= logging.DEBUG else "info"
    line["time"] = clock.wall_now().isoformat().replace("+00:00", "Z")
    line["message"] = "request"
    stream.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    stream.flush()


def current() -> dict | None:
    """The log fields of the request being served (the GraphQL layer fills operation, role…)."""
    return _request.get()


def request_id_from(value: str | None) -> str:
    # 32 random hex digits, as uuid4().hex, without building a UUID object per request
    return value if value and _REQUEST_ID.match(value) else os.urandom(16).hex()


class RequestLog:
    """ASGI middleware: a request id per request, one log line and the request metrics at its end."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from app import metrics

        header = next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"x-request-id"), None)
        rid = request_id_from(header)
        fields: dict[str, str | None] = {"operation": None, "role": None, "account": None, "outcome": None}
        token = _request.set(fields)
        started = clock.monotonic()
        status = {"code": 500}

        async def send_with_id(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), (b"x-request-id", rid.encode())]}
            await send(message)

        path = scope.get("path", "")
        # Every line logged while serving carries the request id (bound directly: the context
        # manager form costs a generator per request).
        bound = structlog.contextvars.bind_contextvars(request_id=rid)
        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            fields["outcome"] = "INTERNAL_ERROR"
            log.exception("request failed", path=path)
            raise
        finally:
            structlog.contextvars.reset_contextvars(**bound)
            _request.reset(token)
            duration = clock.monotonic() - started
            outcome = fields["outcome"] or ("ok" if status["code"] < 400 else f"HTTP_{status['code']}")
            if path == "/graphql":
                metrics.request_done(fields["operation"], outcome, duration)
            request_line(
                logging.DEBUG if path in QUIET_PATHS else logging.INFO,
                rid,
                method=scope.get("method"),
                path=path,
                status=status["code"],
                duration_ms=round(duration * 1000, 3),
                operation=fields["operation"],
                role=fields["role"],
                account=fields["account"],
                outcome=outcome,
            )
