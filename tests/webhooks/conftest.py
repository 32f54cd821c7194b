import pytest

from app.settings import get_settings
from tests.webhooks.receiver import start_receiver


@pytest.fixture
async def allow_private(monkeypatch):
    """W-7's development switch: tests deliver to a receiver on 127.0.0.1 over http://."""
    monkeypatch.setenv("WEBHOOKS_ALLOW_PRIVATE", "true")
    get_settings.cache_clear()
    yield


@pytest.fixture
async def receiver(allow_private):
    rec, server, task = await start_receiver()
    yield rec
    server.should_exit = True
    await task


@pytest.fixture
async def second_receiver(allow_private):
    rec, server, task = await start_receiver("/other")
    yield rec
    server.should_exit = True
    await task
