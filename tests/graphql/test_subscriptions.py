"""SPEC V-1 live: `subscription { events }` over graphql-transport-ws on a real server process.

The API runs as `python -m app serve` against the test database and Redis (simulated clock);
clients speak HTTP and WebSocket to it like any console would. Events committed by another
process — a worker — reach subscribers through Redis pub/sub. Each subscriber gets its own
account's events only; without a token the subscription is refused.
"""

import asyncio
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import httpx
import pytest
from tortoise import connections
from websockets.asyncio.client import connect

from app import clock, redis_conn
from app.live_events import channel
from tests.conftest import REDIS_URL, START
from tests.factories import new_account, new_app
from tests.live import env_for, server, stop  # noqa: F401  (server is a fixture)
from tests.money import advance, credit, start_trial

REPO = Path(__file__).resolve().parents[2]
WORKER_REDIS_URL = urlunparse(
    urlparse(REDIS_URL)._replace(path=f"/{os.environ.get('ROOMKIT_TEST_LIVE_WORKER_REDIS_DB', '12')}")
)
SUBSCRIBE = "subscription { events { type sdkAppId data occurredAt } }"
TRIAL_END = START + timedelta(days=7)


@pytest.fixture
async def http(server):
    async with httpx.AsyncClient(base_url=server, timeout=30) as c:
        yield c


@pytest.fixture(autouse=True)
async def private_account_ids():
    """Redis pub/sub channels are shared by every database of a Redis server, and other test runs
    use the same server: start this test's account ids far from anyone else's."""
    await connections.get("default").execute_query(
        f"SELECT setval(pg_get_serial_sequence('account', 'id'), {random.randint(10**12, 10**15)})"
    )


class Subscriber:
    def __init__(self, ws, account_id: str):
        self.ws, self.account_id = ws, account_id

    async def next_message(self, timeout: float = 15) -> dict:
        while True:
            message = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return message

    async def next_event(self, timeout: float = 15) -> dict:
        message = await self.next_message(timeout)
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        return message["payload"]["data"]["events"]


async def open_ws(server: str, token: str | None, query: str = SUBSCRIBE, variables: dict | None = None):
    ws = await connect(
        server.replace("http://", "ws://") + "/graphql", subprotocols=["graphql-transport-ws"], open_timeout=10
    )
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 10))
    assert ack["type"] == "connection_ack", ack
    subscribe_message = {"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
    await ws.send(json.dumps(subscribe_message))
    return ws


async def subscribe(server: str, token: str, account_id: str, **kwargs) -> Subscriber:
    """Subscribed, and listening: returns once the server holds the account's Redis channel."""
    ws = await open_ws(server, token, **kwargs)
    redis = redis_conn.get()
    deadline = time.monotonic() + 10
    while (await redis.pubsub_numsub(channel(int(account_id))))[0][1] < 1:
        assert time.monotonic() < deadline, "the server never subscribed to the account's channel"
        await asyncio.sleep(0.02)
    return Subscriber(ws, account_id)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


# ---------------------------------------------------------------- through advanceClock


async def test_V1_a_subscriber_receives_its_own_transition_and_another_account_does_not(server, http):
    a_id, a_token = await new_account(http, name="A")
    a_app = await new_app(http, a_token)
    b_id, b_token = await new_account(http, name="B")
    b_app = await new_app(http, b_token)
    assert (await start_trial(http, a_token, a_app))["errors"] == []
    await advance(http, START + timedelta(days=1))
    assert (await start_trial(http, b_token, b_app))["errors"] == []  # ends a day after A's

    a = await subscribe(server, a_token, a_id)
    b = await subscribe(server, b_token, b_id)
    try:
        assert (await advance(http, TRIAL_END))["timersRun"] == 1
        event = await a.next_event()
        assert (event["type"], event["sdkAppId"]) == ("TRIAL_ENDED", a_app)
        assert parse(event["occurredAt"]) == TRIAL_END
        assert json.loads(event["data"])["reason"] == "EXPIRED"

        assert (await advance(http, TRIAL_END + timedelta(days=1)))["timersRun"] == 1
        # B's first event is its own: A's never reached B's stream (pub/sub keeps publication order)
        event = await b.next_event()
        assert (event["type"], event["sdkAppId"]) == ("TRIAL_ENDED", b_app)
        assert parse(event["occurredAt"]) == TRIAL_END + timedelta(days=1)
        # and A got nothing of B's
        with pytest.raises(asyncio.TimeoutError):
            await a.next_message(timeout=0.5)
    finally:
        await a.ws.close()
        await b.ws.close()


async def test_V1_an_api_mutation_event_is_pushed_at_once(server, http):
    account_id, token = await new_account(http)
    app = await new_app(http, token)
    sub = await subscribe(server, token, account_id)
    try:
        assert (await start_trial(http, token, app))["errors"] == []
        event = await sub.next_event()
        assert (event["type"], event["sdkAppId"], parse(event["occurredAt"])) == ("TRIAL_STARTED", app, START)
        assert parse(json.loads(event["data"])["expiresAt"]) == TRIAL_END
    finally:
        await sub.ws.close()


async def test_V1_a_sub_user_receives_its_owner_account_events(server, http):
    owner_id, owner_token = await new_account(http, name="Owner")
    app = await new_app(http, owner_token)
    _, sub_token = await new_account(http, name="Sub", type="SUB_USER", owner_id=owner_id)
    sub = await subscribe(server, sub_token, owner_id)  # H-1: a sub-user acts for its owner
    try:
        assert (await start_trial(http, owner_token, app))["errors"] == []
        event = await sub.next_event()
        assert (event["type"], event["sdkAppId"]) == ("TRIAL_STARTED", app)
    finally:
        await sub.ws.close()


async def test_V1_the_sdk_app_id_argument_keeps_one_app_s_events(server, http):
    account_id, token = await new_account(http)
    first = await new_app(http, token, "First")
    second = await new_app(http, token, "Second")
    query = "subscription($app: Int) { events(sdkAppId: $app) { type sdkAppId } }"
    sub = await subscribe(server, token, account_id, query=query, variables={"app": first})
    try:
        await credit(http, account_id, "10.00")  # an account-level event: no app
        assert (await start_trial(http, token, second))["errors"] == []
        assert (await start_trial(http, token, first))["errors"] == []
        assert await sub.next_event() == {"type": "TRIAL_STARTED", "sdkAppId": first}
    finally:
        await sub.ws.close()


# ---------------------------------------------------------------- written by a worker process


async def test_V1_an_event_written_by_a_worker_reaches_the_subscriber_through_redis(server, http, tmp_path):
    account_id, token = await new_account(http)
    app = await new_app(http, token)
    assert (await start_trial(http, token, app))["errors"] == []
    sub = await subscribe(server, token, account_id)
    # time reached the trial's end, nothing ran yet; a worker's start-up sweep ends it
    await clock.set_simulated_now(TRIAL_END)
    # as many worker processes as the server has API processes (2 + 2 in the second run)
    workers, log_paths = [], [tmp_path / f"worker-{i}.log" for i in range(server.processes)]
    for log_path in log_paths:
        with open(log_path, "wb") as log:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "app", "worker"],
                    cwd=REPO,
                    env=env_for(WORKER_REDIS_URL),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def logs() -> str:
        return "\n".join(p.read_text() for p in log_paths)

    try:
        event = await sub.next_event(timeout=30)
        assert (event["type"], event["sdkAppId"]) == ("TRIAL_ENDED", app)
        assert parse(event["occurredAt"]) == TRIAL_END
        # a worker's sweep did it (the server runs no timers by itself in simulated time), once
        deadline = time.monotonic() + 15
        while not re.search(r"← \S*cron:sweep ● 1\b", logs()):
            assert all(w.poll() is None for w in workers) and time.monotonic() < deadline, logs()
            await asyncio.sleep(0.05)
        assert len(re.findall(r"← \S*cron:sweep ● 1\b", logs())) == 1, logs()
    finally:
        for worker in workers:
            stop(worker)
        await sub.ws.close()
    assert all(w.returncode in (0, -signal.SIGTERM) for w in workers), logs()


# ---------------------------------------------------------------- no token


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_V1_a_subscription_without_a_valid_token_is_unauthenticated(server, token):
    ws = await open_ws(server, token)
    try:
        message = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if message["type"] == "next":  # errors delivered as a result
            errors = message["payload"]["errors"]
        else:
            assert message["type"] == "error", message
            errors = message["payload"]
        assert [e.get("extensions", {}).get("code") for e in errors] == ["UNAUTHENTICATED"], message
    finally:
        await ws.close()
