"""A (re-)seeded catalog invalidates every cached catalog answer (K-4): cached responses live in
Redis and outlive the processes that stored them, so a seed run with changed figures must bump
the catalog version, or the next `make run` would serve the old prices."""

import logging

from app import catalog_version, redis_conn

log = logging.getLogger(__name__)


async def bump_after_seed(redis_url: str | None = None) -> None:
    from redis.asyncio import Redis
    from redis.exceptions import RedisError

    from app.settings import get_settings

    redis = Redis.from_url(redis_url or get_settings().redis_url or redis_conn.DEFAULT_REDIS_URL)
    try:
        await catalog_version.bump(redis)
    except (OSError, RedisError) as e:  # no Redis yet (setup before the services): nothing can be cached either
        log.warning("catalog version not bumped after seeding: %s", e)
    finally:
        await redis.aclose()
