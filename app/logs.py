"""Structured logs (O-2): one JSON object per line on stderr, for our own lines (structlog) and
for every stdlib logger (uvicorn, arq, strawberry) through the same formatter.

Each line has `time`, `level`, `message`; request lines add `request_id` (taken from
X-Request-ID when it is a sane id, else made, and echoed in the response), `operation`, `role`,
`account`, `duration_ms`, `outcome`. Secrets never reach the output: nothing logs headers,
variables or bodies, and a last processor blanks anything shaped like one of our tokens, a
webhook secret (`whsec_…`), a webhook signature (`v1,…`), a bearer credential, or a value
registered with `add_secret` (the bootstrap OPERATOR token).
"""

import logging
import re
import sys
import uuid
from contextvars import ContextVar

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
    _configured = True


def current() -> dict | None:
    """The log fields of the request being served (the GraphQL layer fills operation, role…)."""
    return _request.get()


def request_id_from(value: str | None) -> str:
    return value if value and _REQUEST_ID.match(value) else uuid.uuid4().hex


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
        with structlog.contextvars.bound_contextvars(request_id=rid):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception:
                fields["outcome"] = "INTERNAL_ERROR"
                log.exception("request failed", path=path)
                raise
            finally:
                _request.reset(token)
                duration = clock.monotonic() - started
                outcome = fields["outcome"] or ("ok" if status["code"] < 400 else f"HTTP_{status['code']}")
                if path == "/graphql":
                    metrics.request_done(fields["operation"], outcome, duration)
                (log.debug if path in QUIET_PATHS else log.info)(
                    "request",
                    method=scope.get("method"),
                    path=path,
                    status=status["code"],
                    duration_ms=round(duration * 1000, 3),
                    operation=fields["operation"],
                    role=fields["role"],
                    account=fields["account"],
                    outcome=outcome,
                )
