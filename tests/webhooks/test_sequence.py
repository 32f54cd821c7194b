"""SPEC V-1 / W-2: every event carries its account's `sequence` — 1, 2, 3 … with no gaps, in
commit order — under concurrent writers, for events written in bulk by SQL, and through refusals."""

import asyncio
from datetime import timedelta

from app.domain.events.models import Event
from tests.conftest import START
from tests.factories import new_account
from tests.gql import data, gql
from tests.money import advance, credit, purchase, start_trial
from tests.webhooks.receiver import create_endpoint, new_app, run_due

EVENTS = "{ events(first: 100) { edges { node { id type sequence } } } }"


async def sequences(account_id) -> list[int]:
    return list(await Event.filter(account_id=int(account_id)).order_by("sequence").values_list("sequence", flat=True))


async def test_V1_sequence_is_gapless_per_account_under_concurrent_writers(client):
    accounts = [await new_account(client, name=f"A{i}") for i in range(3)]
    # 3 accounts × 25 concurrent writers each (credits and new apps), all at once
    jobs = []
    for account_id, token in accounts:
        jobs += [credit(client, account_id, "1.00") for _ in range(12)]
        jobs += [new_app(client, token, f"app {i}") for i in range(13)]
    await asyncio.gather(*jobs)
    for account_id, token in accounts:
        assert await sequences(account_id) == list(range(1, 26))
        # commit order: a higher sequence never has a lower id than... the API shows the same numbers
        nodes = [e["node"] for e in data(await gql(client, EVENTS, token=token))["events"]["edges"]]
        assert sorted(n["sequence"] for n in nodes) == list(range(1, 26))


async def test_V1_sequence_follows_commit_order_for_one_endpoint(client, receiver):
    account_id, token = await new_account(client)
    await create_endpoint(client, token, receiver.url)
    await asyncio.gather(
        *[credit(client, account_id, "1.00") for _ in range(20)],
        *[new_app(client, token, f"app {i}") for i in range(20)],
    )
    await run_due(client)
    got = await receiver.wait_for(40)
    assert [x.json["sequence"] for x in got] == list(range(1, 41))
    assert len({x.id for x in got}) == 40


async def test_V1_sequence_refused_changes_leave_no_gap(client):
    account_id, token = await new_account(client)
    app = await new_app(client, token)  # 1: APPLICATION_CREATED
    refused = await purchase(client, token, app, "BASIC", 1)  # no money: INSUFFICIENT_BALANCE, nothing written
    assert [e["code"] for e in refused["errors"]] == ["INSUFFICIENT_BALANCE"]
    await credit(client, account_id, "5000.00")  # 2: BALANCE_CREDITED
    assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []  # 3…: PACKAGE_PURCHASED (+ any)
    seqs = await sequences(account_id)
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) >= 3


async def test_V1_sequence_numbers_events_written_in_bulk(client, receiver):
    """Trials ending and packages expiring in the set-based sweep are numbered set-based too, and
    owed to the endpoints like any other event."""
    account_id, token = await new_account(client)
    other_id, other_token = await new_account(client, name="Other")
    await create_endpoint(client, token, receiver.url, types=["TRIAL_ENDED", "PACKAGE_EXPIRED"])
    await credit(client, account_id, "100000")
    apps = [await new_app(client, token, f"app {i}") for i in range(4)]
    for app in apps[:2]:
        await start_trial(client, token, app)
    for app in apps[2:]:
        assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
    await start_trial(client, other_token, await new_app(client, other_token))
    before = len(await sequences(account_id))
    await advance(client, START + timedelta(days=40))
    seqs = await sequences(account_id)
    assert seqs == list(range(1, len(seqs) + 1))
    bulk = await Event.filter(account_id=int(account_id), type__in=("TRIAL_ENDED", "PACKAGE_EXPIRED")).order_by(
        "sequence"
    )
    assert [e.type for e in bulk] == ["TRIAL_ENDED", "TRIAL_ENDED", "PACKAGE_EXPIRED", "PACKAGE_EXPIRED"]
    assert all(e.sequence > before - 1 for e in bulk)
    assert await sequences(other_id) == list(range(1, len(await sequences(other_id)) + 1))
    got = await receiver.wait_for(4)
    assert [x.json["sequence"] for x in got] == [e.sequence for e in bulk]
    assert [x.json["type"] for x in got] == [e.type for e in bulk]


async def test_V1_sequence_a_rolled_back_writer_gives_its_number_back(client):
    import pytest

    from app.domain import tx
    from app.domain.events import service as events

    account_id, _ = await new_account(client)
    with pytest.raises(RuntimeError):
        async with tx.atomic():
            doomed = await events.record("BALANCE_CREDITED", account_id=int(account_id), at=START)
            assert doomed.sequence == 1
            raise RuntimeError("rolled back")
    assert await sequences(account_id) == []
    async with tx.atomic():
        kept = await events.record("BALANCE_CREDITED", account_id=int(account_id), at=START)
    assert kept.sequence == 1 and await sequences(account_id) == [1]
