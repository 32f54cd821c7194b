"""SPEC C-2: server time and the operators' advanceClock, through the API."""

import asyncio
from datetime import UTC, datetime, timedelta

from app.settings import get_settings
from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account
from tests.gql import data, error_codes, gql

NOW = "{ now }"
ADVANCE = "mutation($to: DateTime!) { advanceClock(to: $to) { now timersRun errors { code field message } } }"


def parse(value: str) -> datetime:
    instant = datetime.fromisoformat(value)
    assert instant.tzinfo is not None, value
    return instant


async def server_now(client, token: str | None = None) -> datetime:
    return parse(data(await gql(client, NOW, token=token))["now"])


async def advance(client, to: datetime | str, token: str = OPERATOR) -> dict:
    value = to if isinstance(to, str) else to.isoformat()
    return await gql(client, ADVANCE, {"to": value}, token)


async def test_C2_now_starts_at_the_fixed_start_and_is_frozen(client):
    assert await server_now(client) == START
    await asyncio.sleep(1.1)
    assert await server_now(client) == START
    # the same for any caller
    _, token = await new_account(client)
    assert await server_now(client, token) == START


async def test_C2_now_is_reported_in_utc(client):
    raw = data(await gql(client, NOW))["now"]
    assert parse(raw).utcoffset() == timedelta(0)
    assert raw.startswith("2027-01-09T16:00:00")


async def test_C2_advance_clock_forward_returns_the_new_time(client):
    to = START + timedelta(days=30, hours=1, minutes=2, seconds=3)
    payload = data(await advance(client, to))["advanceClock"]
    assert payload["errors"] == []
    assert parse(payload["now"]) == to
    assert payload["timersRun"] == 0  # nothing is due on an empty system
    assert await server_now(client) == to
    # and again, further
    later = to + timedelta(days=90)
    payload = data(await advance(client, later))["advanceClock"]
    assert (parse(payload["now"]), payload["errors"]) == (later, [])
    assert await server_now(client) == later


async def test_C2_advance_clock_accepts_any_utc_offset(client):
    # 2027-01-11 08:00 in Shanghai is 2027-01-11 00:00 UTC
    payload = data(await advance(client, "2027-01-11T08:00:00+08:00"))["advanceClock"]
    assert payload["errors"] == []
    assert parse(payload["now"]) == datetime(2027, 1, 11, 0, 0, tzinfo=UTC)
    assert await server_now(client) == datetime(2027, 1, 11, 0, 0, tzinfo=UTC)


async def test_C2_advance_clock_to_the_current_instant_is_allowed(client):
    payload = data(await advance(client, START))["advanceClock"]
    assert payload["errors"] == []
    assert parse(payload["now"]) == START
    assert await server_now(client) == START


async def test_C2_advance_clock_backwards_is_refused_and_time_unchanged(client):
    to = START + timedelta(days=2)
    data(await advance(client, to))
    for back in (to - timedelta(seconds=1), START, START - timedelta(days=365)):
        payload = data(await advance(client, back))["advanceClock"]
        assert [e["code"] for e in payload["errors"]] == ["CLOCK_BACKWARDS"]
        assert payload["errors"][0]["field"] == "to"
        assert parse(payload["now"]) == to
        assert payload["timersRun"] == 0
        assert await server_now(client) == to


async def test_C2_advance_clock_is_for_operators_only(client):
    account_id, customer = await new_account(client)
    partner = await issue_token(
        client, "PARTNER", account_id, ["account:read", "orders:read", "packages:write", "refunds:write"]
    )
    service = await issue_token(client, "SERVICE")
    to = START + timedelta(days=1)
    for token in (customer, partner, service):
        result = await advance(client, to, token)
        assert result.get("data") is None
        assert error_codes(result) == ["FORBIDDEN"]
    assert error_codes(await advance(client, to, "not-a-token")) == ["UNAUTHENTICATED"]
    assert error_codes(await gql(client, ADVANCE, {"to": to.isoformat()})) == ["UNAUTHENTICATED"]
    assert await server_now(client) == START
    # an issued OPERATOR token may move it
    operator = await issue_token(client, "OPERATOR")
    assert data(await advance(client, to, operator))["advanceClock"]["errors"] == []
    assert await server_now(client) == to


async def test_C2_real_clock_mode_refuses_advance_and_reads_the_wall_clock(client, monkeypatch):
    monkeypatch.setenv("CLOCK_MODE", "real")
    get_settings.cache_clear()
    assert get_settings().clock_mode == "real"
    before = datetime.now(UTC)
    now = await server_now(client)
    after = datetime.now(UTC)
    assert before - timedelta(seconds=1) <= now <= after + timedelta(seconds=1)
    payload = data(await advance(client, START + timedelta(days=3650)))["advanceClock"]
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CLOCK_NOT_SIMULATED", "to")]
    assert abs(parse(payload["now"]) - datetime.now(UTC)) < timedelta(seconds=5)
    assert abs(await server_now(client) - datetime.now(UTC)) < timedelta(seconds=5)
    # the stored simulated instant was not touched: back in simulated mode it still reads START
    monkeypatch.setenv("CLOCK_MODE", "simulated")
    get_settings.cache_clear()
    assert await server_now(client) == START
