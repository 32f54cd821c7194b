"""SPEC V-1 (last sentence): two installations sharing one Redis server, with colliding account
ids, never see each other's live events: channels carry the installation prefix."""

import asyncio

from app import live_events, redis_conn
from app.settings import get_settings


async def test_V1_live_channels_carry_the_installation_prefix(monkeypatch):
    redis = redis_conn.get()
    mine = live_events.channel(7)
    monkeypatch.setenv("REDIS_PREFIX", "rk:other-installation")
    get_settings.cache_clear()
    theirs = live_events.channel(7)
    monkeypatch.delenv("REDIS_PREFIX")
    get_settings.cache_clear()
    assert mine != theirs and mine.startswith(redis_conn.prefix() + ":") and theirs.startswith("rk:other-installation:")

    received: list[dict] = []

    async def listen():
        async for item in live_events.listen(redis, 7):
            received.append(item)

    task = asyncio.create_task(listen())
    try:
        while (await redis.pubsub_numsub(mine))[0][1] < 1:
            await asyncio.sleep(0.02)
        await redis.publish(theirs, '{"id": 1, "type": "THEIRS"}')  # the other installation's account 7
        await redis.publish(mine, '{"id": 2, "type": "MINE"}')
        while not received:
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert [r["type"] for r in received] == ["MINE"]
    finally:
        task.cancel()
