"""A-1, H-1, H-2, P-1 straight against app.domain.accounts.service (no HTTP)."""

import asyncio
import hashlib

import pytest

from app.domain.accounts import service as accounts
from app.domain.accounts.caller import Caller
from app.domain.accounts.models import Account, ApiToken, Application
from app.domain.errors import DomainError, NotFound
from tests.conftest import START

OPERATOR_TOKEN = "op-secret-token"


async def owner(name="Owner", verified=True) -> tuple[Account, str]:
    return await accounts.create_account(name=name, type="OWNER", owner_id=None, real_name_verified=verified, now=START)


async def member(owner_id: int, type="SUB_USER", name="Member") -> tuple[Account, str]:
    return await accounts.create_account(name=name, type=type, owner_id=owner_id, real_name_verified=True, now=START)


def refused(excinfo) -> tuple[str, str | None]:
    return excinfo.value.code, excinfo.value.field


# ---------------------------------------------------------------- A-1 create_account


async def test_A1_create_owner_account():
    account, token = await owner("  Acme  ", verified=False)
    row = await Account.get(id=account.id)
    assert (row.name, row.type, row.owner_id, row.real_name_verified, row.status) == (
        "Acme",
        "OWNER",
        None,
        False,
        "NORMAL",
    )
    assert (row.cash_fen, row.income_fen, row.gift_fen, row.available_fen) == (0, 0, 0, 0)
    assert row.created_at == START
    assert row.payer_id == row.id
    token_row = await ApiToken.get(account_id=account.id)
    assert (token_row.role, token_row.scopes, token_row.token_hash) == ("CUSTOMER", [], accounts.hash_token(token))


@pytest.mark.parametrize("type_", ["SUB_USER", "COLLABORATOR"])
async def test_A1_members_pay_through_their_owner(type_):
    boss, _ = await owner()
    account, token = await member(boss.id, type_)
    row = await Account.get(id=account.id)
    assert (row.type, row.owner_id, row.payer_id) == (type_, boss.id, boss.id)
    assert (await ApiToken.get(account_id=account.id)).role == "CUSTOMER"


@pytest.mark.parametrize("type_", ["SUB_USER", "COLLABORATOR"])
async def test_A1_member_without_owner_is_invalid_owner(type_):
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(name="Lonely", type=type_, owner_id=None, real_name_verified=True, now=START)
    assert refused(excinfo) == ("INVALID_OWNER", "ownerId")
    assert await Account.all().count() == 0
    assert await ApiToken.all().count() == 0


async def test_A1_owner_must_exist_and_be_an_owner():
    boss, _ = await owner()
    sub, _ = await member(boss.id)
    for type_, owner_id in (
        ("SUB_USER", sub.id),
        ("COLLABORATOR", sub.id),
        ("SUB_USER", boss.id + 1000),
        ("OWNER", boss.id),
    ):
        with pytest.raises(DomainError) as excinfo:
            await accounts.create_account(name="X", type=type_, owner_id=owner_id, real_name_verified=True, now=START)
        assert refused(excinfo) == ("INVALID_OWNER", "ownerId"), (type_, owner_id)
    assert await Account.all().count() == 2


async def test_A1_unknown_account_type_and_bad_names():
    with pytest.raises(DomainError) as excinfo:
        await accounts.create_account(name="X", type="ADMIN", owner_id=None, real_name_verified=True, now=START)
    assert refused(excinfo) == ("INVALID_ACCOUNT_TYPE", "type")
    for name in ("", "  ", "x" * 201):
        with pytest.raises(DomainError) as excinfo:
            await owner(name)
        assert refused(excinfo) == ("INVALID_NAME", "name")
    account, _ = await owner("x" * 200)
    assert account.name == "x" * 200


# ---------------------------------------------------------------- H-1 issue_token


async def test_H1_issue_partner_token_sorts_and_dedups_scopes():
    boss, _ = await owner()
    token = await accounts.issue_token(
        account_id=boss.id, role="PARTNER", scopes=["orders:read", "account:read", "orders:read"], now=START
    )
    row = await ApiToken.get(token_hash=accounts.hash_token(token))
    assert (row.role, row.account_id, row.scopes, row.created_at) == (
        "PARTNER",
        boss.id,
        ["account:read", "orders:read"],
        START,
    )


async def test_H1_issue_token_validation():
    boss, _ = await owner()
    cases = [
        (dict(account_id=boss.id, role="ROOT", scopes=None), ("INVALID_ROLE", "role")),
        (dict(account_id=None, role="CUSTOMER", scopes=None), ("NOT_FOUND", "accountId")),
        (dict(account_id=None, role="PARTNER", scopes=["account:read"]), ("NOT_FOUND", "accountId")),
        (dict(account_id=boss.id + 1000, role="PARTNER", scopes=["account:read"]), ("NOT_FOUND", "accountId")),
        (dict(account_id=boss.id, role="SERVICE", scopes=None), ("INVALID_ROLE", "accountId")),
        (dict(account_id=boss.id, role="OPERATOR", scopes=None), ("INVALID_ROLE", "accountId")),
        (
            dict(account_id=boss.id, role="PARTNER", scopes=["account:read", "billing:admin"]),
            ("INVALID_SCOPE", "scopes"),
        ),
        (dict(account_id=boss.id, role="CUSTOMER", scopes=["account:read"]), ("INVALID_SCOPE", "scopes")),
        (dict(account_id=None, role="SERVICE", scopes=["account:read"]), ("INVALID_SCOPE", "scopes")),
    ]
    for kwargs, expected in cases:
        with pytest.raises(DomainError) as excinfo:
            await accounts.issue_token(now=START, **kwargs)
        assert refused(excinfo) == expected, kwargs
    assert await ApiToken.all().count() == 1  # only the owner's CUSTOMER token


async def test_H1_tokens_are_stored_as_sha256_hashes_only():
    boss, customer = await owner()
    tokens = [
        customer,
        await accounts.issue_token(account_id=boss.id, role="PARTNER", scopes=["account:read"], now=START),
        await accounts.issue_token(account_id=None, role="SERVICE", scopes=None, now=START),
        await accounts.issue_token(account_id=None, role="OPERATOR", scopes=[], now=START),
    ]
    assert len(set(tokens)) == 4
    rows = await ApiToken.all().order_by("id").values()
    assert [r["token_hash"] for r in rows] == [hashlib.sha256(t.encode()).hexdigest() for t in tokens]
    for token in tokens:
        assert token not in repr(rows)


# ---------------------------------------------------------------- H-1 authenticate


async def test_H1_authenticate_owner_customer_token():
    boss, token = await owner()
    caller = await accounts.authenticate(token, OPERATOR_TOKEN)
    assert caller == Caller(
        role="CUSTOMER", account_id=boss.id, actor_account_id=boss.id, actor_type="OWNER", scopes=frozenset()
    )


@pytest.mark.parametrize("type_", ["SUB_USER", "COLLABORATOR"])
async def test_A1_H1_authenticate_member_acts_for_owner(type_):
    boss, _ = await owner()
    sub, token = await member(boss.id, type_)
    caller = await accounts.authenticate(token, OPERATOR_TOKEN)
    assert caller == Caller(
        role="CUSTOMER", account_id=boss.id, actor_account_id=sub.id, actor_type=type_, scopes=frozenset()
    )


async def test_H1_authenticate_partner_service_operator():
    boss, _ = await owner()
    partner = await accounts.issue_token(
        account_id=boss.id, role="PARTNER", scopes=["account:read", "orders:read"], now=START
    )
    assert await accounts.authenticate(partner, OPERATOR_TOKEN) == Caller(
        role="PARTNER",
        account_id=boss.id,
        actor_account_id=boss.id,
        actor_type="OWNER",
        scopes=frozenset({"account:read", "orders:read"}),
    )
    service = await accounts.issue_token(account_id=None, role="SERVICE", scopes=None, now=START)
    assert await accounts.authenticate(service, OPERATOR_TOKEN) == Caller(role="SERVICE")
    issued_operator = await accounts.issue_token(account_id=None, role="OPERATOR", scopes=None, now=START)
    assert await accounts.authenticate(issued_operator, OPERATOR_TOKEN) == Caller(role="OPERATOR")
    env_operator = await accounts.authenticate(OPERATOR_TOKEN, OPERATOR_TOKEN)
    assert env_operator == Caller(role="OPERATOR") and env_operator.is_operator


async def test_H1_authenticate_unknown_tokens():
    await owner()
    for token in ("garbage", OPERATOR_TOKEN + "x", OPERATOR_TOKEN[:-1], "rk_customer_" + "A" * 43):
        assert await accounts.authenticate(token, OPERATOR_TOKEN) is None, token
    # without a configured operator token nothing is an operator
    assert await accounts.authenticate(OPERATOR_TOKEN, None) is None
    assert await accounts.authenticate("", "") is None


# ---------------------------------------------------------------- P-1 applications


async def test_P1_create_application_ids_and_fields():
    boss, _ = await owner()
    apps = [await accounts.create_application(boss.id, f"  App {i} ", START) for i in range(3)]
    ids = [a.sdk_app_id for a in apps]
    assert min(ids) >= 1400000000
    assert ids == sorted(ids) and len(set(ids)) == 3
    row = await Application.get(sdk_app_id=ids[0])
    assert (row.account_id, row.name, row.status, row.trials_used, row.created_at) == (
        boss.id,
        "App 0",
        "ACTIVE",
        0,
        START,
    )


async def test_P1_concurrent_create_application_gives_distinct_ids():
    boss, _ = await owner()
    apps = await asyncio.gather(*(accounts.create_application(boss.id, f"App {i}", START) for i in range(30)))
    ids = [a.sdk_app_id for a in apps]
    assert len(set(ids)) == 30 and min(ids) >= 1400000000
    assert [a.sdk_app_id for a in await accounts.list_applications(boss.id)] == sorted(ids)


async def test_P1_application_name_rules():
    boss, _ = await owner()
    for name in ("", "   ", "x" * 201):
        with pytest.raises(DomainError) as excinfo:
            await accounts.create_application(boss.id, name, START)
        assert refused(excinfo) == ("INVALID_NAME", "name")
    assert await Application.all().count() == 0
    assert (await accounts.create_application(boss.id, "x" * 200, START)).name == "x" * 200


async def test_P1_list_applications_only_the_accounts_own():
    a, _ = await owner("A")
    b, _ = await owner("B")
    a1 = await accounts.create_application(a.id, "A1", START)
    b1 = await accounts.create_application(b.id, "B1", START)
    a2 = await accounts.create_application(a.id, "A2", START)
    assert [x.sdk_app_id for x in await accounts.list_applications(a.id)] == [a1.sdk_app_id, a2.sdk_app_id]
    assert [x.sdk_app_id for x in await accounts.list_applications(b.id)] == [b1.sdk_app_id]


# ---------------------------------------------------------------- H-2 get_application


async def test_H2_get_application_of_another_account_is_not_found_like_a_missing_one():
    a, _ = await owner("A")
    b, _ = await owner("B")
    app_b = await accounts.create_application(b.id, "B app", START)
    caller_a = Caller(role="CUSTOMER", account_id=a.id, actor_account_id=a.id)
    with pytest.raises(NotFound) as other:
        await accounts.get_application(caller_a, app_b.sdk_app_id)
    with pytest.raises(NotFound) as missing:
        await accounts.get_application(caller_a, app_b.sdk_app_id + 1000)
    assert (
        (other.value.code, other.value.field, other.value.message)
        == (missing.value.code, missing.value.field, missing.value.message)
        == ("NOT_FOUND", "sdkAppId", "application not found")
    )
    partner_a = Caller(role="PARTNER", account_id=a.id, actor_account_id=a.id, scopes=frozenset({"account:read"}))
    with pytest.raises(NotFound):
        await accounts.get_application(partner_a, app_b.sdk_app_id)


async def test_H2_get_application_for_owner_members_operators_and_services():
    boss, _ = await owner()
    sub, sub_token = await member(boss.id)
    app = await accounts.create_application(boss.id, "Mine", START)
    sub_caller = await accounts.authenticate(sub_token, None)
    for caller in (
        Caller(role="CUSTOMER", account_id=boss.id, actor_account_id=boss.id),
        sub_caller,
        Caller(role="OPERATOR"),
        Caller(role="SERVICE"),
    ):
        got = await accounts.get_application(caller, app.sdk_app_id)
        assert (got.sdk_app_id, got.account_id, got.name) == (app.sdk_app_id, boss.id, "Mine"), caller
    # a sub-user's own id is not an account with apps: the app is its owner's
    assert await accounts.list_applications(sub.id) == []


# ---------------------------------------------------------------- A-2 real name


async def test_A2_set_real_name_verified():
    account, _ = await owner(verified=False)
    updated = await accounts.set_real_name_verified(account.id, True, START)
    assert updated.real_name_verified is True
    assert (await Account.get(id=account.id)).real_name_verified is True
    await accounts.set_real_name_verified(account.id, False, START)
    assert (await Account.get(id=account.id)).real_name_verified is False
    with pytest.raises(NotFound) as excinfo:
        await accounts.set_real_name_verified(account.id + 1000, True, START)
    assert refused(excinfo) == ("NOT_FOUND", "accountId")
