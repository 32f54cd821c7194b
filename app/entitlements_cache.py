"""The Redis cache in front of entitlements (N-2), and the version counters every cache of
entitlements keys on (this one and the whole-response cache, app/response_cache.py).

Each entry is tagged with the app's, the account's and the catalog's version counters read
*before* it was computed; every committed change bumps the counter of what it touched (the app,
or the whole account for account-level changes; the catalog version for catalog changes, K-4),
and it is bumped before the changing request answers. So an entry computed from older rows is
never served once the change has committed and been acknowledged, even if it was stored after
the change. Entries also carry the instant they stop being true (a package expiry): the passing
of time cannot serve a stale answer before the timer has run.
"""

import json
from datetime import datetime

from redis.asyncio import Redis

from app import cache_validity, catalog_version, metrics, redis_conn
from app.domain.accounts.models import Application
from app.domain.entitlements import service
from app.domain.errors import NotFound

TTL_SECONDS = 300
_owner: dict[int, int] = {}  # sdk_app_id → account id; never changes (P-1)


def _app_version(sdk_app_id: int) -> str:
    return redis_conn.key(f"ent:v:{sdk_app_id}")


def _account_version(account_id: int) -> str:
    return redis_conn.key(f"ent:av:{account_id}")


def version_keys(sdk_app_id: int, account_id: int) -> list[str]:
    """The counters an answer about `sdk_app_id` depends on, in the order entries store them."""
    return [_app_version(sdk_app_id), _account_version(account_id), catalog_version.version_key()]


def known_owner(sdk_app_id: int) -> int | None:
    """The account of an app this process has already seen, without I/O."""
    return _owner.get(sdk_app_id)


async def _account_of(sdk_app_id: int) -> int:
    if sdk_app_id not in _owner:
        row = await Application.get_or_none(sdk_app_id=sdk_app_id).only("sdk_app_id", "account_id")
        if row is None:
            raise NotFound("application", "sdkAppId")
        _owner[sdk_app_id] = row.account_id
    return _owner[sdk_app_id]


def _versions(raw: list) -> list[int]:
    return [int(v or 0) for v in raw]


async def get(redis: Redis, sdk_app_id: int, now: datetime) -> dict:
    account_id = await _account_of(sdk_app_id)
    key = redis_conn.key(f"ent:{sdk_app_id}")
    cached, *raw = await redis.mget(key, *version_keys(sdk_app_id, account_id))
    versions = _versions(raw)
    if cached is not None:
        entry = json.loads(cached)
        until = entry["value"]["valid_until"]
        if entry["versions"] == versions and (until is None or now < datetime.fromisoformat(until)):
            metrics.entitlements_cache(hit=True)
            cache_validity.cap(until)
            return entry["value"]
    metrics.entitlements_cache(hit=False)
    value = (await service.compute(sdk_app_id, now)).as_dict()
    cache_validity.cap(value["valid_until"])
    await redis.set(key, json.dumps({"versions": versions, "value": value}), ex=TTL_SECONDS)
    return value


def version_key(account_id: int, sdk_app_id: int | None) -> str:
    return _app_version(sdk_app_id) if sdk_app_id is not None else _account_version(account_id)


async def invalidate(redis: Redis, account_id: int, sdk_app_id: int | None) -> None:
    await redis.incr(version_key(account_id, sdk_app_id))
