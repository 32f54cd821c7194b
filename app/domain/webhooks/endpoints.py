"""W-1, W-5, W-6: a customer's (or partner's) webhook endpoints. Every change locks the account
first (lock order account → endpoint), so it is ordered with the account's event writers, whose
outbox rows read the endpoints."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain import tx
from app.domain.accounts.caller import Caller
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError, NotFound
from app.domain import locks
from app.domain.webhooks import signing, ssrf
from app.domain.webhooks.models import WebhookEndpoint

WEBHOOK_LIMIT = 10
ROTATION_OVERLAP = timedelta(hours=24)  # W-6: both secrets sign for this long
MAX_DESCRIPTION = 200

# V-1 and §12–§14 types, and the settings events the code raises: what an endpoint may ask for.
EVENT_TYPES = frozenset(
    {
        "TRIAL_STARTED",
        "TRIAL_ENDED",
        "PACKAGE_PURCHASED",
        "PACKAGE_RENEWED",
        "PACKAGE_UPGRADED",
        "PACKAGE_EXPIRED",
        "AUTO_RENEWED",
        "AUTO_RENEW_FAILED",
        "RENEWAL_REMINDER",
        "ALLOWANCE_GRANTED",
        "BALANCE_CREDITED",
        "USAGE_SETTLED",
        "ARREARS_STARTED",
        "ARREARS_CLEARED",
        "ACCOUNT_SUSPENDED",
        "SUSPENSION_LIFTED",
        "APP_RECLAIMED",
        "ACCOUNT_BANNED",
        "REFUND_REQUESTED",
        "REFUND_APPROVED",
        "REFUND_REJECTED",
        "RENEW_FLAG_CHANGED",
        "RENEWAL_CANCELLED",
        "WEBHOOK_ENDPOINT_DISABLED",
        "PRICE_CHANGE_NOTICE",
        "AUTO_RENEW_CHANGED",
        "REAL_NAME_CHANGED",
        "APPLICATION_CREATED",
        "REFUND_REVIEW_CHANGED",
        "VOUCHER_GRANTED",
    }
)


@dataclass
class Created:
    endpoint: WebhookEndpoint
    secret: str


def _event_types(types: list[str] | None) -> list[str]:
    if not types:
        return []
    for i, t in enumerate(types):
        if t not in EVENT_TYPES:
            raise DomainError(ErrorCode.INVALID_EVENT_TYPE, f"unknown event type {t!r}", f"eventTypes.{i}")
    return sorted(set(types))


def _description(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise DomainError(
            ErrorCode.INVALID_INPUT, f"description is longer than {MAX_DESCRIPTION} characters", "description"
        )
    return text


def _account(caller: Caller) -> int:
    if caller.account_id is None:
        raise DomainError(ErrorCode.FORBIDDEN, "webhook endpoints belong to an account")
    return caller.account_id


async def _locked(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    await locks.account(_account(caller), None)
    endpoint = await WebhookEndpoint.filter(id=endpoint_id, account_id=caller.account_id).select_for_update().first()
    if endpoint is None:
        raise NotFound("webhook endpoint", "id")
    return endpoint


async def create(
    caller: Caller, *, url: str, event_types: list[str] | None, description: str | None, at: datetime
) -> Created:
    account_id = _account(caller)
    types, description = _event_types(event_types), _description(description)
    await ssrf.check(url)
    async with tx.atomic():
        await locks.account(account_id, None)
        if await WebhookEndpoint.filter(account_id=account_id).count() >= WEBHOOK_LIMIT:
            raise DomainError(ErrorCode.WEBHOOK_LIMIT, f"an account has at most {WEBHOOK_LIMIT} webhook endpoints")
        secret = signing.new_secret()
        endpoint = await WebhookEndpoint.create(
            account_id=account_id, url=url, event_types=types, description=description, secret=secret, created_at=at
        )
    return Created(endpoint, secret)


async def update(
    caller: Caller,
    endpoint_id: int,
    *,
    url: str | None,
    event_types: list[str] | None,
    description: str | None,
    enabled: bool | None,
    at: datetime,
) -> WebhookEndpoint:
    if url is not None:
        await ssrf.check(url)
    types = _event_types(event_types) if event_types is not None else None
    description = _description(description)
    async with tx.atomic():
        endpoint = await _locked(caller, endpoint_id)
        if url is not None:
            endpoint.url = url
        if types is not None:
            endpoint.event_types = types
        if description is not None:
            endpoint.description = description
        if enabled is True and not endpoint.enabled:
            # W-5: enabled again, the 5-day count starts afresh.
            endpoint.enabled, endpoint.disabled_reason = True, None
            endpoint.failing_since, endpoint.last_success_at = None, at
        elif enabled is False and endpoint.enabled:
            endpoint.enabled, endpoint.disabled_reason = False, "DISABLED_BY_USER"
        await endpoint.save()
    return endpoint


async def delete(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    """The endpoint, its deliveries and attempts go; the events stay (catch up with `events`)."""
    async with tx.atomic():
        endpoint = await _locked(caller, endpoint_id)
        await endpoint.delete()
    return endpoint


async def rotate(caller: Caller, endpoint_id: int, at: datetime) -> Created:
    async with tx.atomic():
        endpoint = await _locked(caller, endpoint_id)
        secret = signing.new_secret()
        endpoint.previous_secret, endpoint.previous_until = endpoint.secret, at + ROTATION_OVERLAP
        endpoint.secret = secret
        await endpoint.save(update_fields=["secret", "previous_secret", "previous_until"])
    return Created(endpoint, secret)


async def list_for(caller: Caller) -> list[WebhookEndpoint]:
    return await WebhookEndpoint.filter(account_id=_account(caller)).order_by("id")


async def get_for(caller: Caller, endpoint_id: int) -> WebhookEndpoint:
    endpoint = await WebhookEndpoint.get_or_none(id=endpoint_id, account_id=_account(caller))
    if endpoint is None:
        raise NotFound("webhook endpoint", "endpointId")
    return endpoint


def signing_secrets(
    endpoint_secret: str, previous: str | None, previous_until: datetime | None, at: datetime
) -> list[str]:
    """W-6: the new secret first, then the previous one while the overlap lasts."""
    if previous and previous_until is not None and at < previous_until:
        return [endpoint_secret, previous]
    return [endpoint_secret]
