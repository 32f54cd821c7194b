"""The process's Redis connection (cache, pub/sub, arq enqueueing)."""

from redis.asyncio import Redis

from app.settings import get_settings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_client: Redis | None = None
# (settings object, its prefix): every key of every hot request goes through prefix(), and the
# settings object only changes when configuration is reloaded (tests), so the prefix is derived
# once per settings object instead of parsing the database URL each time.
_memo: tuple[object, str] | None = None


def prefix() -> str:
    """The installation's namespace in Redis. Pub/sub channels ignore the database number, so two
    installations sharing one Redis server are kept apart by this prefix on every key and channel
    (V-1). `REDIS_PREFIX` sets it; by default it is derived from the database URL's name."""
    global _memo
    settings = get_settings()
    memo = _memo
    if memo is not None and memo[0] is settings:
        return memo[1]
    if settings.redis_prefix:
        value = settings.redis_prefix
    else:
        from urllib.parse import urlparse

        name = urlparse(settings.database_url or "").path.lstrip("/") or "roomkit"
        value = f"rk:{name}"
    _memo = (settings, value)
    return value


def key(name: str) -> str:
    """Every Redis key and channel of this installation goes through here."""
    return f"{prefix()}:{name}"


async def connect(url: str | None = None) -> Redis:
    global _client
    _client = Redis.from_url(url or get_settings().redis_url or DEFAULT_REDIS_URL)
    return _client


def get() -> Redis:
    if _client is None:
        raise RuntimeError("Redis is not connected")
    return _client


async def close() -> None:
    global _client
    if _client is not None:
        await _client.aclose()
        _client = None
