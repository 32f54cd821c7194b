"""The catalog's version counter in Redis (K-4, N-2): every cache built from catalog rows
(editions, featureMatrix, quotes, entitlements) keys on it; every committed catalog change bumps
it after commit, so no API process serves an answer computed from the catalog before the change."""

from redis.asyncio import Redis

from app import redis_conn


def version_key() -> str:
    return redis_conn.key("catalog:v")


async def get(redis: Redis) -> int:
    return int(await redis.get(version_key()) or 0)


async def bump(redis: Redis) -> int:
    return int(await redis.incr(version_key()))
