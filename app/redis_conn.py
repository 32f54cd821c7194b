"""The process's Redis connection (cache, pub/sub, arq enqueueing)."""
from redis.asyncio import Redis

from app.settings import get_settings

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
_client: Redis | None = None


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
