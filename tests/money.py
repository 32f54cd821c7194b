"""Money scenario helpers: funding, buying, and the ledger audit every money test ends with."""

from app.domain.ledger import audit
from tests.conftest import OPERATOR
from tests.gql import data, gql


async def patient_gql(client, query: str, variables: dict | None, token: str) -> dict:
    """For the list helpers, which read whole histories: a page refused with RATE_LIMITED (H-4,
    a bucket of 1,000 points refilled at 100 a second) is asked again after its retryAfter."""
    import asyncio

    for _ in range(20):
        result = await gql(client, query, variables, token)
        errors = result.get("errors") or []
        if not errors or errors[0].get("extensions", {}).get("code") != "RATE_LIMITED":
            return result
        await asyncio.sleep(errors[0]["extensions"]["retryAfter"])
    return result


ORDER_FIELDS = """order { id kind status sdkAppId edition months amount { amount }
  paid { voucher { amount } gift { amount } income { amount } cash { amount } }
  lines { description months amount { amount } campaign } createdAt }
  package { id status edition rtc { code startsAt expiresAt } im { code startsAt expiresAt } expiresAt autoRenew }
  errors { code field message }"""

PURCHASE = f"mutation($input: PurchaseInput!) {{ purchasePackage(input: $input) {{ {ORDER_FIELDS} }} }}"
RENEW = f"mutation($input: RenewInput!) {{ renewPackage(input: $input) {{ {ORDER_FIELDS} }} }}"
CREDIT = """mutation($a: ID!, $amount: Decimal!, $source: String!, $key: String!) {
  creditAccount(accountId: $a, amount: $amount, source: $source, idempotencyKey: $key) {
    account { balance { cash { amount } income { amount } gift { amount } available { amount } } }
    errors { code field message } } }"""
GRANT = """mutation($a: ID!, $amount: Decimal!, $exp: DateTime!) {
  grantVoucher(accountId: $a, amount: $amount, expiresAt: $exp) { voucher { id amount { amount } } errors { code } } }"""
BALANCE = "{ me { balance { cash { amount } income { amount } gift { amount } available { amount } } } }"

_keys = iter(range(1, 10**9))


def key() -> str:
    return f"k-{next(_keys)}"


async def credit(client, account_id, amount, source="cash", idem=None) -> dict:
    result = data(
        await gql(client, CREDIT, {"a": account_id, "amount": amount, "source": source, "key": idem or key()}, OPERATOR)
    )["creditAccount"]
    assert result["errors"] == [], result
    return result


async def voucher(client, account_id, amount, expires="2030-01-01T00:00:00Z") -> str:
    result = data(await gql(client, GRANT, {"a": account_id, "amount": amount, "exp": expires}, OPERATOR))
    assert result["grantVoucher"]["errors"] == []
    return result["grantVoucher"]["voucher"]["id"]


async def purchase(
    client, token, app, edition="BASIC", months=1, idem=None, vouchers=None, agree=True, auto_renew=False
) -> dict:
    variables = {
        "input": {
            "sdkAppId": app,
            "edition": edition,
            "months": months,
            "acceptAgreements": agree,
            "idempotencyKey": idem or key(),
            "voucherIds": vouchers,
            "autoRenew": auto_renew,
        }
    }
    return data(await gql(client, PURCHASE, variables, token))["purchasePackage"]


async def renew(client, token, app, months=1, scope="FULL", idem=None, vouchers=None) -> dict:
    variables = {
        "input": {
            "sdkAppId": app,
            "months": months,
            "scope": scope,
            "idempotencyKey": idem or key(),
            "voucherIds": vouchers,
        }
    }
    return data(await gql(client, RENEW, variables, token))["renewPackage"]


async def balance(client, token) -> dict:
    b = data(await gql(client, BALANCE, token=token))["me"]["balance"]
    return {k: v["amount"] for k, v in b.items()}


async def assert_audit_clean() -> None:
    assert await audit.problems() == []


# --- Helpers shared by the money suites (purchase, trial, renewal, idempotency, funding, concurrency).

ADVANCE_CLOCK = "mutation($to: DateTime!) { advanceClock(to: $to) { now timersRun errors { code field message } } }"
SET_REAL_NAME = """mutation($a: ID!, $v: Boolean!) {
  setRealNameVerified(accountId: $a, verified: $v) { account { realNameVerified } errors { code } } }"""
PACKAGE_FIELDS = """id sdkAppId edition status rtc { code startsAt expiresAt } im { code startsAt expiresAt }
  startedAt expiresAt autoRenew autoRenewMonths autoRenewFailureReason"""
START_TRIAL = f"""mutation($app: Int!) {{ startTrial(sdkAppId: $app) {{
  package {{ {PACKAGE_FIELDS} }} errors {{ code field message }} }} }}"""
APPLICATION = f"""query($app: Int!) {{ application(sdkAppId: $app) {{ sdkAppId status trialsUsed
  package {{ {PACKAGE_FIELDS} }} }} }}"""
EVENTS = """query($first: Int, $after: String, $app: Int) { events(first: $first, after: $after, sdkAppId: $app) {
  edges { cursor node { id type sdkAppId data occurredAt } } pageInfo { hasNextPage endCursor } } }"""
VOUCHERS = "{ me { vouchers { id amount { amount } expiresAt usedAt } } }"


async def advance(client, to) -> dict:
    """Move the simulated clock (operator advanceClock); `to` is a datetime or an ISO string."""
    value = to if isinstance(to, str) else to.isoformat()
    payload = data(await gql(client, ADVANCE_CLOCK, {"to": value}, OPERATOR))["advanceClock"]
    assert payload["errors"] == [], payload
    return payload


async def set_real_name(client, account_id, verified: bool) -> None:
    payload = data(await gql(client, SET_REAL_NAME, {"a": account_id, "v": verified}, OPERATOR))
    assert payload["setRealNameVerified"]["errors"] == [], payload


async def start_trial(client, token, app) -> dict:
    return data(await gql(client, START_TRIAL, {"app": app}, token))["startTrial"]


async def application(client, token, app) -> dict | None:
    return data(await gql(client, APPLICATION, {"app": app}, token))["application"]


async def events(client, token, sdk_app_id=None) -> list[dict]:
    """All of the caller's events, oldest first (follows the cursor)."""
    found, after = [], None
    while True:
        page = data(await patient_gql(client, EVENTS, {"first": 100, "after": after, "app": sdk_app_id}, token))[
            "events"
        ]
        found += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return found
        after = page["pageInfo"]["endCursor"]


async def vouchers(client, token) -> list[dict]:
    return data(await gql(client, VOUCHERS, token=token))["me"]["vouchers"]


def lines_of(order_or_quote: dict) -> list[tuple]:
    """(description, months, amount, campaign) of each line of an order or a quote."""
    return [(l["description"], l["months"], l["amount"]["amount"], l["campaign"]) for l in order_or_quote["lines"]]


def codes(payload: dict) -> list[str]:
    return [e["code"] for e in payload["errors"]]


# --- Helpers for the usage, settlement, arrears, ban and entitlements suites (SPEC §7, §9, §10).

RECORD_USAGE = """mutation($events: [UsageEventInput!]!) {
  recordUsage(events: $events) { accepted duplicates errors { code field message } } }"""
RECORD_IM_STATS = """mutation($app: Int!, $day: String!, $dau: Int!, $groups: Int!) {
  recordImStats(sdkAppId: $app, day: $day, dau: $dau, peakGroups: $groups) {
    accepted duplicates errors { code field message } } }"""
ENTITLEMENTS = """query($app: Int!) { entitlements(sdkAppId: $app) { sdkAppId edition featuresUnlocked serviceActive
  reason limits { maxParticipants maxVideoStreams resolutions } features includedMinutesLeft } }"""
ACCOUNT_STATE = """{ me { id status arrearsSince suspendedAt
  balance { cash { amount } income { amount } gift { amount } available { amount } } } }"""
APP_STATE = """query($app: Int!) { application(sdkAppId: $app) { sdkAppId status
  package { id edition status expiresAt autoRenew includedMinutesLeft } } }"""
# Pages of 20: a page of 100 with these fields costs 1,001 query-cost points, more than a whole
# H-4 bucket (QUERY_TOO_COSTLY); 20 cost 221.
ORDER_LIST = """query($app: Int, $kind: OrderKind, $after: String) {
  orders(first: 20, after: $after, sdkAppId: $app, kind: $kind) { edges { node {
  id kind status sdkAppId edition months amount { amount }
  paid { voucher { amount } gift { amount } income { amount } cash { amount } }
  lines { description months amount { amount } campaign } createdAt } } pageInfo { hasNextPage endCursor } } }"""
BAN_ACCOUNT = """mutation($a: ID!, $reason: String!) { banAccount(accountId: $a, reason: $reason) {
  account { id status } errors { code field message } } }"""
TOP_UP = """mutation($amount: Decimal!, $key: String!) { topUp(amount: $amount, idempotencyKey: $key) {
  account { status } errors { code field message } } }"""

_usage_ids = iter(range(1, 10**9))


def usage_event(app: int, minutes: int, kind: str = "AUDIO", at=None, event_id: str | None = None) -> dict:
    """One UsageEventInput; `at` is a datetime or an ISO string (default: START)."""
    from tests.conftest import START

    at = START if at is None else at
    return {
        "eventId": event_id or f"ev-{next(_usage_ids)}",
        "sdkAppId": app,
        "kind": kind,
        "minutes": minutes,
        "occurredAt": at if isinstance(at, str) else at.isoformat(),
    }


async def record_usage(client, token, events_: list[dict]) -> dict:
    return data(await gql(client, RECORD_USAGE, {"events": events_}, token))["recordUsage"]


async def record_im_stats(client, token, app: int, day: str, dau: int, groups: int) -> dict:
    return data(await gql(client, RECORD_IM_STATS, {"app": app, "day": day, "dau": dau, "groups": groups}, token))[
        "recordImStats"
    ]


async def entitlements(client, token, app: int) -> dict:
    return data(await gql(client, ENTITLEMENTS, {"app": app}, token))["entitlements"]


async def account_state(client, token) -> dict:
    """me: status, arrearsSince, suspendedAt and the balance as plain amounts."""
    me = data(await gql(client, ACCOUNT_STATE, token=token))["me"]
    return {**me, "balance": {k: v["amount"] for k, v in me["balance"].items()}}


async def app_state(client, token, app: int) -> dict:
    return data(await gql(client, APP_STATE, {"app": app}, token))["application"]


async def orders_of(client, token, app: int | None = None, kind: str | None = None) -> list[dict]:
    """The caller's orders, newest first (follows the cursor)."""
    found, after = [], None
    while True:
        result = data(await patient_gql(client, ORDER_LIST, {"app": app, "kind": kind, "after": after}, token))[
            "orders"
        ]
        found += [e["node"] for e in result["edges"]]
        if not result["pageInfo"]["hasNextPage"]:
            return found
        after = result["pageInfo"]["endCursor"]


async def ban_account(client, account_id, reason="content violation") -> dict:
    return data(await gql(client, BAN_ACCOUNT, {"a": account_id, "reason": reason}, OPERATOR))["banAccount"]


async def top_up(client, token, amount: str, idem: str | None = None) -> dict:
    return data(await gql(client, TOP_UP, {"amount": amount, "key": idem or key()}, token))["topUp"]


def of_type(events_: list[dict], *types: str) -> list[dict]:
    return [e for e in events_ if e["type"] in types]


def shanghai(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0):
    """An Asia/Shanghai wall-clock instant, as an aware UTC datetime."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    return datetime(year, month, day, hour, minute, second, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)
