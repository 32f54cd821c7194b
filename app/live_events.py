"""Live events over Redis pub/sub (V-1): committed events go to `<prefix>:events:<account>`, and
every API process relays its account's channel to WebSocket subscribers."""

import json
from collections.abc import AsyncIterator

from redis.asyncio import Redis

from app import redis_conn
from app.domain.events import bus

PREFIX = "events:"
_INCR_ALL = "for _, key in ipairs(KEYS) do redis.call('INCR', key) end return #KEYS"


def channel(account_id: int) -> str:
    # V-1: the installation prefix keeps installations sharing one Redis server apart.
    return redis_conn.key(f"{PREFIX}{account_id}")


def encode(event: bus.Published) -> str:
    data = json.loads(event.data) if isinstance(event.data, str) else event.data
    return json.dumps(
        {
            "id": event.id,
            "type": event.type,
            "accountId": event.account_id,
            "sdkAppId": event.sdk_app_id,
            "data": data,
            "occurredAt": event.occurred_at.isoformat(),
            "sequence": getattr(event, "sequence", 0),
        },
        ensure_ascii=False,
    )


def install_publisher(redis: Redis) -> None:
    """Committed events go to live subscribers, and every change invalidates cached entitlements."""
    from app import entitlements_cache

    async def publish(event: bus.Published) -> None:
        await redis.publish(channel(event.account_id), encode(event))

    async def touch(account_id: int, sdk_app_id: int | None) -> None:
        await entitlements_cache.invalidate(redis, account_id, sdk_app_id)

    async def publish_many(events: list[bus.Written]) -> None:
        """A sweep's thousands of events: versions bumped in one script call per chunk, and
        published only on the channels someone is listening to."""
        for start in range(0, len(events), 1000):
            chunk = events[start : start + 1000]
            keys = sorted({entitlements_cache.version_key(e.account_id, e.sdk_app_id) for e in chunk})
            await redis.eval(_INCR_ALL, len(keys), *keys)  # type: ignore[misc]  # redis-py types eval for sync and async clients at once
            channels = sorted({channel(e.account_id) for e in chunk})
            listened = {
                name.decode() if isinstance(name, bytes) else name
                for name, count in await redis.pubsub_numsub(*channels)
                if count
            }
            if listened:
                pipe = redis.pipeline(transaction=False)
                for event in chunk:
                    if channel(event.account_id) in listened:
                        pipe.publish(channel(event.account_id), encode(event))
                await pipe.execute()

    async def publish_batch(events: list[bus.Published]) -> None:
        """One command's few events: every version bumped, then every event published, in one
        pipelined round trip (the bumps first: N-2, no stale answer once anyone hears of it)."""
        pipe = redis.pipeline(transaction=False)
        for key in dict.fromkeys(entitlements_cache.version_key(e.account_id, e.sdk_app_id) for e in events):
            pipe.incr(key)
        for event in events:
            pipe.publish(channel(event.account_id), encode(event))
        await pipe.execute()

    bus.install(publish, touch, publish_many, publish_batch)
    # K-4: a committed catalog change bumps the catalog version every catalog cache keys on.
    from app import catalog_version
    from app.domain.catalog import audit as catalog_audit

    catalog_audit.install(lambda: catalog_version.bump(redis))


async def listen(redis: Redis, account_id: int) -> AsyncIterator[dict]:
    pubsub = redis.pubsub()
    await pubsub.subscribe(channel(account_id))
    try:
        async for message in pubsub.listen():
            if message.get("type") == "message":
                yield json.loads(message["data"])
    finally:
        await pubsub.unsubscribe()
        await pubsub.aclose()
