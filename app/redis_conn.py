"""The process's Redis connection (cache, pub/sub, arq enqueueing)."""

from redis.asyncio import Redis

from app.settings import get_settings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_client: Redis | None = None


def prefix() -> str:
    """The installation's namespace in Redis. Pub/sub channels ignore the database number, so two
    installations sharing one Redis server are kept apart by this prefix on every key and channel
    (V-1). `REDIS_PREFIX` sets it; by default it is derived from the database URL's name."""
    settings = get_settings()
    if settings.redis_prefix:
        return settings.redis_prefix
    from urllib.parse import urlparse

    name = urlparse(settings.database_url or "").path.lstrip("/") or "roomkit"
    return f"rk:{name}"


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
