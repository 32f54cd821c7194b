"""Black-box acceptance tests for RoomKit Billing, written from SPEC.md and contract.graphql only.

Every test cites the SPEC rule ids it checks. Only the public GraphQL API is used (operator,
customer, partner and service tokens); the simulated clock starts at 2027-01-10 00:00
Asia/Shanghai (2027-01-09T16:00:00Z) and is moved only by `advanceClock`.
"""
import asyncio
import itertools
import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.live import server  # noqa: F401  (harness fixture: a real server process, for WebSockets)

SH = ZoneInfo("Asia/Shanghai")
_seq = itertools.count()


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------

def sh(*args) -> datetime:
    """An Asia/Shanghai wall-clock instant, as an aware UTC datetime."""
    return datetime(*args, tzinfo=SH).astimezone(UTC)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


PKG = """id sdkAppId edition status startedAt expiresAt autoRenew autoRenewMonths autoRenewFailureReason
         includedMinutesLeft rtc { code startsAt expiresAt } im { code startsAt expiresAt }"""
ORDER = """id kind status sdkAppId edition months createdAt amount { amount currency }
           paid { voucher { amount } gift { amount } income { amount } cash { amount } }
           lines { description months amount { amount } campaign }"""
BALANCE = "balance { cash { amount } income { amount } gift { amount } available { amount } }"
ENT = """sdkAppId edition featuresUnlocked serviceActive reason features includedMinutesLeft
         limits { maxParticipants maxVideoStreams resolutions }"""

PURCHASE = f"""mutation($i: PurchaseInput!) {{ purchasePackage(input: $i) {{
  order {{ {ORDER} }} package {{ {PKG} }} errors {{ code field message }} }} }}"""
RENEW = f"""mutation($i: RenewInput!) {{ renewPackage(input: $i) {{
  order {{ {ORDER} }} package {{ {PKG} }} errors {{ code field message }} }} }}"""
UPGRADE = f"""mutation($i: UpgradeInput!) {{ upgradePackage(input: $i) {{
  order {{ {ORDER} }} package {{ {PKG} }} errors {{ code field message }} }} }}"""
START_TRIAL = f"""mutation($a: Int!) {{ startTrial(sdkAppId: $a) {{ package {{ {PKG} }} errors {{ code field message }} }} }}"""
SET_AUTO = f"""mutation($a: Int!, $e: Boolean!, $m: Int) {{ setAutoRenew(sdkAppId: $a, enabled: $e, months: $m) {{
  package {{ {PKG} }} errors {{ code field message }} }} }}"""
REFUND = f"""mutation($o: ID!, $k: String!) {{ requestRefund(orderId: $o, idempotencyKey: $k) {{
  refund {{ id status amount {{ amount }} createdAt order {{ id kind status }} }} errors {{ code field message }} }} }}"""
REVIEW = """mutation($r: ID!, $a: Boolean!, $n: String) { reviewRefund(refundId: $r, approve: $a, note: $n) {
  refund { id status amount { amount } order { id status } } errors { code field message } } }"""
CREDIT = f"""mutation($id: ID!, $amt: Decimal!, $src: String!, $k: String!) {{
  creditAccount(accountId: $id, amount: $amt, source: $src, idempotencyKey: $k) {{
  account {{ id {BALANCE} }} errors {{ code field message }} }} }}"""
TOPUP = f"""mutation($amt: Decimal!, $k: String!) {{ topUp(amount: $amt, idempotencyKey: $k) {{
  account {{ id status {BALANCE} }} errors {{ code field message }} }} }}"""
VOUCHER = """mutation($id: ID!, $amt: Decimal!, $exp: DateTime!) { grantVoucher(accountId: $id, amount: $amt, expiresAt: $exp) {
  voucher { id amount { amount } expiresAt usedAt } errors { code field message } } }"""
ADVANCE = """mutation($to: DateTime!) { advanceClock(to: $to) { now timersRun errors { code message } } }"""
ME = f"""{{ me {{ id name type realNameVerified status arrearsSince suspendedAt {BALANCE}
  vouchers {{ id amount {{ amount }} expiresAt usedAt }} }} }}"""
APP = f"""query($a: Int!) {{ application(sdkAppId: $a) {{ sdkAppId name status trialsUsed package {{ {PKG} }} }} }}"""
ENTITLEMENTS = f"""query($a: Int!) {{ entitlements(sdkAppId: $a) {{ {ENT} }} }}"""
USAGE = """mutation($ev: [UsageEventInput!]!) { recordUsage(events: $ev) { accepted duplicates errors { code field message } } }"""
IM_STATS = """mutation($a: Int!, $d: String!, $dau: Int!, $g: Int!) { recordImStats(sdkAppId: $a, day: $d, dau: $dau, peakGroups: $g) {
  accepted duplicates errors { code field message } } }"""
QUOTE = """query($a: Int, $e: EditionCode!, $m: Int!) { quote(sdkAppId: $a, edition: $e, months: $m) {
  lines { description months amount { amount } campaign } total { amount currency } } }"""


async def credit(client, account_id, amount, source="cash", key=None):
    key = (key if key is not None else f"credit-{next(_seq)}")
    payload = data(await gql(client, CREDIT, {"id": account_id, "amt": amount, "src": source, "k": key},
                             OPERATOR))["creditAccount"]
    assert payload["errors"] == [], payload
    return payload


async def purchase(client, token, app, edition="BASIC", months=1, key=None, auto_renew=False, accept=True,
                   vouchers=None):
    variables = {"i": {"sdkAppId": app, "edition": edition, "months": months, "autoRenew": auto_renew,
                       "acceptAgreements": accept, "voucherIds": vouchers,
                       "idempotencyKey": key if key is not None else f"buy-{app}-{edition}-{months}"}}
    return data(await gql(client, PURCHASE, variables, token))["purchasePackage"]


async def renew(client, token, app, months=1, scope="FULL", key=None):
    variables = {"i": {"sdkAppId": app, "months": months, "scope": scope,
                       "idempotencyKey": (key if key is not None else f"renew-{next(_seq)}")}}
    return data(await gql(client, RENEW, variables, token))["renewPackage"]


async def upgrade(client, token, app, target, key=None):
    variables = {"i": {"sdkAppId": app, "targetEdition": target, "idempotencyKey": (key if key is not None else f"up-{app}-{target}")}}
    return data(await gql(client, UPGRADE, variables, token))["upgradePackage"]


async def start_trial(client, token, app):
    return data(await gql(client, START_TRIAL, {"a": app}, token))["startTrial"]


async def refund(client, token, order_id, key=None):
    return data(await gql(client, REFUND, {"o": order_id, "k": (key if key is not None else f"refund-{order_id}")}, token))["requestRefund"]


async def advance(client, to: datetime):
    payload = data(await gql(client, ADVANCE, {"to": iso(to)}, OPERATOR))["advanceClock"]
    assert payload["errors"] == [], payload
    return payload


async def me(client, token):
    return data(await gql(client, ME, None, token))["me"]


async def application(client, token, app):
    return data(await gql(client, APP, {"a": app}, token))["application"]


async def entitlements(client, token, app):
    return data(await gql(client, ENTITLEMENTS, {"a": app}, token))["entitlements"]


async def events(client, token, app=None) -> list[dict]:
    out, after = [], None
    query = """query($after: String, $a: Int) { events(first: 100, after: $after, sdkAppId: $a) {
      edges { node { id type sdkAppId data occurredAt } cursor } pageInfo { hasNextPage endCursor } } }"""
    while True:
        page = data(await gql(client, query, {"after": after, "a": app}, token))["events"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"] or not page["edges"]:
            return out
        after = page["pageInfo"]["endCursor"]


def of_type(evts, type_):
    return [e for e in evts if e["type"] == type_]


async def orders(client, token, kind=None, app=None) -> list[dict]:
    # Pages of 20 (H-4): a page of 100 with these fields costs 1,101 points, more than the bucket.
    query = f"""query($k: OrderKind, $a: Int, $after: String) {{ orders(first: 20, after: $after, kind: $k,
      sdkAppId: $a) {{ edges {{ node {{ {ORDER} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
    out, after = [], None
    while True:
        page = data(await gql(client, query, {"k": kind, "a": app, "after": after}, token))["orders"]
        out += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]


async def record_usage(client, service, events_):
    return data(await gql(client, USAGE, {"ev": events_}, service))["recordUsage"]


def usage_event(event_id, app, minutes, kind="AUDIO", at=START):
    return {"eventId": event_id, "sdkAppId": app, "kind": kind, "minutes": minutes, "occurredAt": iso(at)}


def codes(payload) -> list[str]:
    return [e["code"] for e in payload["errors"]]


def amounts(balance) -> dict:
    return {k: v["amount"] for k, v in balance.items()}


async def funded_owner(client, amount="100000.00", name="Acme", verified=True):
    account_id, token = await new_account(client, name=name, verified=verified)
    if amount:
        await credit(client, account_id, amount)
    return account_id, token


EXPIRY_1M = sh(2027, 2, 10)   # a 1-month package bought at START ends 2027-02-10 00:00 Asia/Shanghai
UPGRADE_AT = sh(2027, 1, 25)  # U-3's example instant

ALL_EDITION_FEATURES = {
    "STANDARD_UI", "FLOATING_WINDOW", "CUSTOM_UI", "LOGIN_LOGOUT", "SET_PROFILE", "GET_PROFILE",
    "ROOM_LIFECYCLE", "ROOM_INFO", "ROOM_CUSTOM_INFO", "ROOM_TEXT_MESSAGE", "MULTI_VIDEO_CALL",
    "MULTI_VOICE_CALL", "CAMERA_TOGGLE", "MIC_TOGGLE", "MIC_VOLUME", "EVENT_CALLBACKS", "MEMBER_LIST",
    "MEMBER_ROLE_SWITCH", "MUTE_ONE", "MUTE_ALL", "KICK_MEMBER", "SCREEN_SHARE", "AI_NOISE_SUPPRESSION",
    "DEFAULT_AUDIO_MIXING", "WEAK_NETWORK_OPTIMIZATION", "PLATFORMS",
}
SEATS = {"SEAT_MODES", "REQUEST_TO_SPEAK", "CUSTOM_SEAT_COUNT", "SEAT_INVITE_LOCK_KICK"}
REFUND_EVENTS = {"REFUND_REQUESTED", "REFUND_APPROVED", "REFUND_REJECTED"}
NOT_FEATURE_CODES = {"CALL_MINUTES", "DAU", "PEAK_GROUPS", "MAX_PARTICIPANTS", "MAX_VIDEO_STREAMS", "RESOLUTIONS"}


# --------------------------------------------------------------------------------------------
# §1 Catalog
# --------------------------------------------------------------------------------------------

async def test_catalog_editions_prices_and_quotas_without_token(client):
    """§1 Editions: list / current price, trialDays, quotas, limits; catalog needs no token (H-1)."""
    result = data(await gql(client, """{ editions { code name listPrice { amount currency } currentPrice { amount currency }
        trialDays maxParticipants maxVideoStreams resolutions includedMinutes includedDau includedPeakGroups } }"""))
    eds = {e["code"]: e for e in result["editions"]}
    assert set(eds) == {"TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM"}
    expected = {
        "TRIAL": ("体验版", "0.00", "0.00", 7, 20, 20, None),
        "BASIC": ("基础互动版", "3374.00", "2999.00", None, 50, 50, 380000),
        "ADVANCED": ("进阶互动版", "7749.00", "6499.00", None, 200, 50, 1400000),
        "LARGE_ROOM": ("超大房间互动版", "9249.00", "7999.00", None, 300, 50, 1400000),
    }
    for code, (name, lst, cur, trial_days, maxp, maxv, minutes) in expected.items():
        e = eds[code]
        assert e["name"] == name
        assert e["listPrice"] == {"amount": lst, "currency": "CNY"}
        assert e["currentPrice"] == {"amount": cur, "currency": "CNY"}
        assert e["trialDays"] == trial_days
        assert (e["maxParticipants"], e["maxVideoStreams"]) == (maxp, maxv)
        assert e["includedMinutes"] == minutes
    assert eds["TRIAL"]["includedDau"] is None and eds["TRIAL"]["includedPeakGroups"] is None
    assert eds["BASIC"]["includedDau"] == 10000 and eds["BASIC"]["includedPeakGroups"] == 100000
    assert eds["BASIC"]["resolutions"] == ["720P", "1080P"]
    assert eds["ADVANCED"]["resolutions"] == ["720P", "1080P", "2K", "4K"]
    assert eds["TRIAL"]["resolutions"] == ["720P", "1080P", "2K", "4K"]


async def test_feature_matrix_rows_follow_spec_table(client):
    """§1 Feature matrix: seat features, multi-device login, one value per edition in `editions` order."""
    fm = data(await gql(client, """{ featureMatrix { editions { code } rows { feature { code group name }
        values { included value } } } }"""))["featureMatrix"]
    order = [e["code"] for e in fm["editions"]]
    rows = {r["feature"]["code"]: r for r in fm["rows"]}
    for r in fm["rows"]:
        assert len(r["values"]) == len(order)

    def included(code):
        return {ed: v["included"] for ed, v in zip(order, rows[code]["values"])}

    for code in SEATS:
        assert included(code) == {"TRIAL": True, "BASIC": False, "ADVANCED": True, "LARGE_ROOM": True}, code
    assert included("MULTI_DEVICE_LOGIN") == {"TRIAL": True, "BASIC": False, "ADVANCED": False, "LARGE_ROOM": True}
    assert included("SAME_PLATFORM_MULTI_DEVICE_LOGIN") == {
        "TRIAL": False, "BASIC": False, "ADVANCED": False, "LARGE_ROOM": True}
    trial_value = rows["SAME_PLATFORM_MULTI_DEVICE_LOGIN"]["values"][order.index("TRIAL")]["value"]
    assert trial_value == "IM 旗舰版 only"
    for code in ALL_EDITION_FEATURES:
        assert all(included(code).values()), code
    assert rows["SCREEN_SHARE"]["feature"]["group"] == "interaction"


# --------------------------------------------------------------------------------------------
# §4 B-4 pricing and quotes
# --------------------------------------------------------------------------------------------

async def test_quote_without_token_first_order_basic_1_and_3_months(client):
    """B-4: anonymous quote prices as a new OWNER: BASIC 1 month 1653.26; 3 months 7651.26."""
    one = data(await gql(client, QUOTE, {"e": "BASIC", "m": 1}))["quote"]
    assert one["total"] == {"amount": "1653.26", "currency": "CNY"}
    assert [line["campaign"] for line in one["lines"]] == ["FIRST_ORDER"]
    three = data(await gql(client, QUOTE, {"e": "BASIC", "m": 3}))["quote"]
    assert three["total"]["amount"] == "7651.26"
    assert sorted(line["amount"]["amount"] for line in three["lines"]) == ["1653.26", "5998.00"]


async def test_purchase_basic_first_order_1653_26_and_period(client):
    """B-3/B-4/B-5: first order BASIC 1 month costs 1653.26 from cash; both components run START → +1 month."""
    account_id, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    assert p["errors"] == []
    o = p["order"]
    assert (o["kind"], o["status"], o["edition"], o["months"], o["sdkAppId"]) == ("PURCHASE", "PAID", "BASIC", 1, app)
    assert o["amount"] == {"amount": "1653.26", "currency": "CNY"}
    assert o["paid"]["cash"]["amount"] == "1653.26"
    pkg = p["package"]
    assert (pkg["status"], pkg["edition"]) == ("ACTIVE", "BASIC")
    assert pkg["rtc"]["code"] == "RTC_PREMIUM" and pkg["im"]["code"] == "IM_PRO"
    for comp in (pkg["rtc"], pkg["im"]):
        assert ts(comp["startsAt"]) == START
        assert ts(comp["expiresAt"]) == EXPIRY_1M
    assert ts(pkg["expiresAt"]) == EXPIRY_1M
    assert amounts((await me(client, token))["balance"])["available"] == "3346.74"


async def test_purchase_basic_3_months_first_order_7651_26(client):
    """B-3/B-4: BASIC 3 months first order = 1653.26 + 2×2999.00 = 7651.26; ends 2027-04-10 00:00 Shanghai."""
    _, token = await funded_owner(client, "10000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app, months=3)
    assert p["errors"] == []
    assert p["order"]["amount"]["amount"] == "7651.26"
    assert ts(p["package"]["expiresAt"]) == sh(2027, 4, 10)


async def test_returning_customer_advanced_5656_77_quote_and_order(client):
    """B-4: a returning customer gets ALL_CUSTOMERS (73% of list): ADVANCED 1 month 5656.77."""
    _, token = await funded_owner(client)
    app1, app2 = await new_app(client, token, "a1"), await new_app(client, token, "a2")
    assert (await purchase(client, token, app1))["errors"] == []
    q = data(await gql(client, QUOTE, {"a": app2, "e": "ADVANCED", "m": 1}, token))["quote"]
    assert q["total"]["amount"] == "5656.77"
    assert [line["campaign"] for line in q["lines"]] == ["ALL_CUSTOMERS"]
    p = await purchase(client, token, app2, edition="ADVANCED")
    assert p["errors"] == []
    assert p["order"]["amount"]["amount"] == "5656.77"
    assert p["order"]["lines"][0]["campaign"] == "ALL_CUSTOMERS"


async def test_sub_user_order_gets_no_campaign_charges_owner_and_ends_first_order(client):
    """A-1/B-4: a sub-user pays 2999.00 (no campaign) from the owner's balance; the owner is then no longer
    a first-order customer (ALL_CUSTOMERS 73% → BASIC 2463.02)."""
    owner_id, owner = await funded_owner(client, "5000.00")
    _, sub = await new_account(client, name="Sub", type="SUB_USER", owner_id=owner_id)
    app = await new_app(client, owner, "owner-app")
    app2 = await new_app(client, owner, "owner-app-2")
    q = data(await gql(client, QUOTE, {"a": app, "e": "BASIC", "m": 1}, sub))["quote"]
    assert q["total"]["amount"] == "2999.00"
    p = await purchase(client, sub, app)
    assert p["errors"] == []
    assert p["order"]["amount"]["amount"] == "2999.00"
    assert all(line["campaign"] is None for line in p["order"]["lines"])
    assert amounts((await me(client, owner))["balance"])["available"] == "2001.00"
    q2 = data(await gql(client, QUOTE, {"a": app2, "e": "BASIC", "m": 1}, owner))["quote"]
    assert q2["total"]["amount"] == "2463.02"


async def test_refunded_order_still_counts_for_first_order(client):
    """B-4: a refunded paid order still counts as 'had' — next quote is ALL_CUSTOMERS (2463.02)."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == [] and r["refund"]["status"] == "APPROVED"
    q = data(await gql(client, QUOTE, {"a": app, "e": "BASIC", "m": 1}, token))["quote"]
    assert q["total"]["amount"] == "2463.02"


# --------------------------------------------------------------------------------------------
# §4 B-1/B-2/A-2 refusals, B-5/B-6 payment
# --------------------------------------------------------------------------------------------

async def test_purchase_refusals_duration_agreement_real_name_already_active(client):
    """B-1: months 1–36 (INVALID_DURATION), acceptAgreements (AGREEMENT_NOT_ACCEPTED);
    B-2: PACKAGE_ALREADY_ACTIVE; A-2: REAL_NAME_REQUIRED."""
    _, token = await funded_owner(client, "200000.00")
    app = await new_app(client, token)
    assert codes(await purchase(client, token, app, months=0, key="m0")) == ["INVALID_DURATION"]
    assert codes(await purchase(client, token, app, months=37, key="m37")) == ["INVALID_DURATION"]
    assert codes(await purchase(client, token, app, accept=False, key="noagr")) == ["AGREEMENT_NOT_ACCEPTED"]
    ok = await purchase(client, token, app, months=36, key="m36")
    assert ok["errors"] == []
    assert ts(ok["package"]["expiresAt"]) == sh(2030, 1, 10)
    assert codes(await purchase(client, token, app, edition="ADVANCED", key="again")) == ["PACKAGE_ALREADY_ACTIVE"]

    _, unverified = await funded_owner(client, name="NoRealName", verified=False)
    app2 = await new_app(client, unverified)
    assert codes(await purchase(client, unverified, app2)) == ["REAL_NAME_REQUIRED"]
    assert codes(await start_trial(client, unverified, app2)) == ["REAL_NAME_REQUIRED"]


async def test_payment_order_vouchers_gift_income_cash(client):
    """B-5: chosen voucher first, then gift, then income, then cash; the order keeps the split."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "500.00", "gift")
    await credit(client, account_id, "500.00", "income")
    await credit(client, account_id, "1000.00", "cash")
    v = data(await gql(client, VOUCHER, {"id": account_id, "amt": "100.00", "exp": "2027-12-31T00:00:00Z"},
                       OPERATOR))["grantVoucher"]
    assert v["errors"] == []
    app = await new_app(client, token)
    p = await purchase(client, token, app, vouchers=[v["voucher"]["id"]])
    assert p["errors"] == []
    assert amounts(p["order"]["paid"]) == {"voucher": "100.00", "gift": "500.00", "income": "500.00", "cash": "553.26"}
    assert p["order"]["amount"]["amount"] == "1653.26"
    acct = await me(client, token)
    assert amounts(acct["balance"]) == {"cash": "446.74", "income": "0.00", "gift": "0.00", "available": "446.74"}
    assert acct["vouchers"][0]["usedAt"] is not None


async def test_insufficient_balance_changes_nothing(client):
    """B-6: amount after vouchers above available balance → INSUFFICIENT_BALANCE and nothing changes
    (no order, no package, balance and voucher untouched)."""
    account_id, token = await funded_owner(client, "1000.00")
    v = data(await gql(client, VOUCHER, {"id": account_id, "amt": "100.00", "exp": "2027-12-31T00:00:00Z"},
                       OPERATOR))["grantVoucher"]["voucher"]
    app = await new_app(client, token)
    p = await purchase(client, token, app, vouchers=[v["id"]])
    assert codes(p) == ["INSUFFICIENT_BALANCE"]
    assert p["order"] is None
    acct = await me(client, token)
    assert amounts(acct["balance"])["available"] == "1000.00"
    assert acct["vouchers"][0]["usedAt"] is None
    assert await orders(client, token) == []
    assert (await application(client, token, app))["package"] is None
    assert of_type(await events(client, token), "PACKAGE_PURCHASED") == []


# --------------------------------------------------------------------------------------------
# §4 B-8 idempotency
# --------------------------------------------------------------------------------------------

async def test_idempotent_replay_returns_same_order_and_charges_once(client):
    """B-8: same key, same input → the stored result, no second charge."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    first = await purchase(client, token, app, key="k-1")
    second = await purchase(client, token, app, key="k-1")
    assert first["errors"] == [] and second["errors"] == []
    assert second["order"]["id"] == first["order"]["id"]
    assert len(await orders(client, token)) == 1
    assert amounts((await me(client, token))["balance"])["available"] == "3346.74"


async def test_idempotency_key_reused_with_other_input_or_other_mutation(client):
    """B-8: the same key with a different input, or on another mutation → IDEMPOTENCY_KEY_REUSED."""
    _, token = await funded_owner(client, "10000.00")
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    assert (await purchase(client, token, app1, key="shared"))["errors"] == []
    assert codes(await purchase(client, token, app2, key="shared")) == ["IDEMPOTENCY_KEY_REUSED"]
    r = data(await gql(client, TOPUP, {"amt": "10.00", "k": "shared"}, token))["topUp"]
    assert codes(r) == ["IDEMPOTENCY_KEY_REUSED"]


async def test_invalid_idempotency_key_length(client):
    """B-8: keys of 1–64 chars on every money mutation; '' and 65 chars → INVALID_IDEMPOTENCY_KEY."""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)
    for bad in ("", "x" * 65):
        assert codes(await purchase(client, token, app, key=bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
    p = await purchase(client, token, app, key="y" * 64)
    assert p["errors"] == []
    for bad in ("", "x" * 65):
        assert codes(await renew(client, token, app, key=bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
        assert codes(await upgrade(client, token, app, "ADVANCED", key=bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
        assert codes(await refund(client, token, p["order"]["id"], key=bad)) == ["INVALID_IDEMPOTENCY_KEY"], bad
        r = data(await gql(client, TOPUP, {"amt": "1.00", "k": bad}, token))["topUp"]
        assert codes(r) == ["INVALID_IDEMPOTENCY_KEY"], bad
        r = data(await gql(client, CREDIT, {"id": account_id, "amt": "1.00", "src": "cash", "k": bad}, OPERATOR))
        assert codes(r["creditAccount"]) == ["INVALID_IDEMPOTENCY_KEY"], bad


async def test_refused_attempt_stores_nothing_key_can_be_retried(client):
    """B-8: a refused attempt stores nothing; after funding, the same key succeeds."""
    account_id, token = await new_account(client)
    app = await new_app(client, token)
    assert codes(await purchase(client, token, app, key="retry")) == ["INSUFFICIENT_BALANCE"]
    await credit(client, account_id, "2000.00")
    p = await purchase(client, token, app, key="retry")
    assert p["errors"] == [] and p["order"]["amount"]["amount"] == "1653.26"


async def test_idempotency_key_usable_afresh_after_24h(client):
    """B-8: within 24 h a replay moves no money; after 24 h the key may be used afresh."""
    _, token = await new_account(client)
    for _ in range(2):
        r = data(await gql(client, TOPUP, {"amt": "10.00", "k": "day-key"}, token))["topUp"]
        assert r["errors"] == []
    assert amounts((await me(client, token))["balance"])["available"] == "10.00"
    await advance(client, START + timedelta(hours=24, seconds=1))
    r = data(await gql(client, TOPUP, {"amt": "10.00", "k": "day-key"}, token))["topUp"]
    assert r["errors"] == []
    assert amounts((await me(client, token))["balance"])["available"] == "20.00"


async def test_operator_credit_key_scoped_to_account_credited(client):
    """B-8: an operator's key on creditAccount is scoped to the account credited."""
    a, ta = await new_account(client, name="A")
    b, tb = await new_account(client, name="B")
    await credit(client, a, "10.00", key="op-key")
    await credit(client, b, "10.00", key="op-key")
    assert amounts((await me(client, ta))["balance"])["available"] == "10.00"
    assert amounts((await me(client, tb))["balance"])["available"] == "10.00"


async def test_concurrent_requests_with_one_key_charge_once(client):
    """B-8: concurrent requests with one key charge once; all return the first's result."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    results = await asyncio.gather(*[purchase(client, token, app, key="race") for _ in range(5)])
    assert all(r["errors"] == [] for r in results), results
    assert len({r["order"]["id"] for r in results}) == 1
    assert amounts((await me(client, token))["balance"])["available"] == "3346.74"


# --------------------------------------------------------------------------------------------
# §4 B-3 month arithmetic
# --------------------------------------------------------------------------------------------

async def test_month_arithmetic_jan31_clamps_and_counts_from_anchor(client):
    """B-3: Jan 31 + 1 month = Feb 28; + 2 months = Mar 31 (always from the anchor)."""
    _, token = await funded_owner(client)
    await advance(client, sh(2027, 1, 31))
    app1, app2 = await new_app(client, token, "one"), await new_app(client, token, "two")
    p1 = await purchase(client, token, app1, months=1)
    p2 = await purchase(client, token, app2, months=2)
    assert ts(p1["package"]["expiresAt"]) == sh(2027, 2, 28)
    assert ts(p2["package"]["expiresAt"]) == sh(2027, 3, 31)


async def test_renewal_keeps_anchor_jan31(client):
    """B-3/R-1: a Jan 31 component ending Feb 28, renewed for 1 month, ends Mar 31; price 2999.00, no campaign."""
    _, token = await funded_owner(client)
    await advance(client, sh(2027, 1, 31))
    app = await new_app(client, token)
    assert ts((await purchase(client, token, app))["package"]["expiresAt"]) == sh(2027, 2, 28)
    r = await renew(client, token, app, months=1)
    assert r["errors"] == []
    assert r["order"]["kind"] == "RENEWAL" and r["order"]["amount"]["amount"] == "2999.00"
    assert ts(r["package"]["rtc"]["expiresAt"]) == sh(2027, 3, 31)
    assert ts(r["package"]["im"]["expiresAt"]) == sh(2027, 3, 31)


# --------------------------------------------------------------------------------------------
# §3 Trial
# --------------------------------------------------------------------------------------------

async def test_trial_lasts_exactly_7x24h_then_ends(client):
    """T-1/C-1: a trial runs exactly 7×24 h; it ends at that instant (TRIAL_ENDED), not a second earlier."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    t = await start_trial(client, token, app)
    assert t["errors"] == []
    assert (t["package"]["status"], t["package"]["edition"]) == ("TRIAL", "TRIAL")
    end = START + timedelta(hours=7 * 24)
    assert ts(t["package"]["expiresAt"]) == end
    assert of_type(await events(client, token), "TRIAL_STARTED")
    await advance(client, end - timedelta(seconds=1))
    assert (await application(client, token, app))["package"]["status"] == "TRIAL"
    await advance(client, end)
    a = await application(client, token, app)
    assert a["package"]["status"] == "TRIAL_ENDED" and a["trialsUsed"] == 1
    assert len(of_type(await events(client, token), "TRIAL_ENDED")) == 1
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["serviceActive"], ent["reason"]) == (False, True, "EXPIRED")


async def test_trial_active_and_package_already_active(client):
    """T-3: no trial while a trial (TRIAL_ACTIVE) or a paid package (PACKAGE_ALREADY_ACTIVE) is active."""
    _, token = await funded_owner(client)
    app1, app2 = await new_app(client, token, "t"), await new_app(client, token, "p")
    assert (await start_trial(client, token, app1))["errors"] == []
    assert codes(await start_trial(client, token, app1)) == ["TRIAL_ACTIVE"]
    assert (await purchase(client, token, app2))["errors"] == []
    assert codes(await start_trial(client, token, app2)) == ["PACKAGE_ALREADY_ACTIVE"]


async def test_trial_limit_per_app_two_ever(client):
    """T-2: at most 2 trials per app, ever → TRIAL_LIMIT_PER_APP."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    assert (await start_trial(client, token, app))["errors"] == []
    await advance(client, START + timedelta(days=7))
    assert (await start_trial(client, token, app))["errors"] == []
    await advance(client, START + timedelta(days=14))
    assert codes(await start_trial(client, token, app)) == ["TRIAL_LIMIT_PER_APP"]
    assert (await application(client, token, app))["trialsUsed"] == 2


async def test_trial_limit_per_account_ten(client):
    """T-2: at most 10 trials per account across its apps → TRIAL_LIMIT_PER_ACCOUNT."""
    _, token = await new_account(client)
    for i in range(10):
        app = await new_app(client, token, f"app{i}")
        assert (await start_trial(client, token, app))["errors"] == [], i
    app = await new_app(client, token, "eleventh")
    assert codes(await start_trial(client, token, app)) == ["TRIAL_LIMIT_PER_ACCOUNT"]


async def test_purchase_during_trial_ends_trial_and_keeps_it_counted(client):
    """T-4: a purchase during a trial ends the trial at once (TRIAL_ENDED); the trial stays counted.
    The trial is not a paid order: the purchase still gets FIRST_ORDER (1653.26)."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    trial = (await start_trial(client, token, app))["package"]
    p = await purchase(client, token, app)
    assert p["errors"] == [] and p["order"]["amount"]["amount"] == "1653.26"
    assert p["package"]["id"] != trial["id"] and p["package"]["status"] == "ACTIVE"
    evts = await events(client, token)
    ended = of_type(evts, "TRIAL_ENDED")
    assert len(ended) == 1 and ts(ended[0]["occurredAt"]) == START
    a = await application(client, token, app)
    assert a["trialsUsed"] == 1 and a["package"]["edition"] == "BASIC"


async def test_trial_usage_recorded_never_charged(client):
    """T-5: usage during a trial is recorded and never charged."""
    _, token = await new_account(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await start_trial(client, token, app)
    u = await record_usage(client, service, [usage_event("trial-1", app, 100000, "VIDEO_HD")])
    assert (u["accepted"], u["errors"]) == (1, [])
    await advance(client, sh(2027, 1, 12, 1))
    assert await orders(client, token, kind="POSTPAID") == []
    acct = await me(client, token)
    assert acct["status"] == "NORMAL" and amounts(acct["balance"])["available"] == "0.00"


# --------------------------------------------------------------------------------------------
# §5 Renewal, auto-renewal, reminders
# --------------------------------------------------------------------------------------------

async def test_renew_full_extends_from_current_expiry_no_campaign(client):
    """R-1: FULL renewal for 2 months from the current expiry at current prices: 5998.00."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    r = await renew(client, token, app, months=2)
    assert r["errors"] == []
    assert r["order"]["amount"]["amount"] == "5998.00"
    assert all(line["campaign"] is None for line in r["order"]["lines"])
    assert ts(r["package"]["expiresAt"]) == sh(2027, 4, 10)


async def test_renew_rtc_only_keeps_im_expiry(client):
    """R-1: RTC_ONLY renews the RTC component only (1500.00); IM keeps its expiry; package expiresAt = earlier."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    r = await renew(client, token, app, months=1, scope="RTC_ONLY")
    assert r["errors"] == []
    assert r["order"]["amount"]["amount"] == "1500.00"
    assert ts(r["package"]["rtc"]["expiresAt"]) == sh(2027, 3, 10)
    assert ts(r["package"]["im"]["expiresAt"]) == EXPIRY_1M
    assert ts(r["package"]["expiresAt"]) == EXPIRY_1M


async def test_component_expiry_locks_features_and_renewal_restarts_it(client):
    """R-5: when IM expires unrenewed the package is EXPIRED (features locked) while RTC keeps its period;
    renewing IM_ONLY restarts it from now (new anchor) and the package is ACTIVE again."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await advance(client, EXPIRY_1M)
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "EXPIRED"
    assert ts(pkg["rtc"]["expiresAt"]) == sh(2027, 3, 10)
    assert of_type(await events(client, token), "PACKAGE_EXPIRED")
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["reason"], ent["edition"], ent["features"]) == (False, "EXPIRED", None, [])
    await advance(client, sh(2027, 2, 12))
    r = await renew(client, token, app, months=1, scope="IM_ONLY")
    assert r["errors"] == []
    assert r["order"]["amount"]["amount"] == "1499.00"
    assert ts(r["package"]["im"]["startsAt"]) == sh(2027, 2, 12)
    assert ts(r["package"]["im"]["expiresAt"]) == sh(2027, 3, 12)
    assert r["package"]["status"] == "ACTIVE"
    assert (await entitlements(client, token, app))["featuresUnlocked"] is True


async def test_renew_expired_package_runs_from_now(client):
    """R-1: if the package already expired, renewal extends from now."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, sh(2027, 2, 15))
    r = await renew(client, token, app, months=1)
    assert r["errors"] == []
    assert r["order"]["amount"]["amount"] == "2999.00"
    assert ts(r["package"]["expiresAt"]) == sh(2027, 3, 15)
    assert r["package"]["status"] == "ACTIVE"


async def test_auto_renew_success_at_expiry(client):
    """R-2/R-3: auto-renewal at the expiry instant for `months`, at current price; AUTO_RENEWED and no
    PACKAGE_EXPIRED; an AUTO_RENEWAL order."""
    account_id, token = await funded_owner(client, "7651.26")  # 1653.26 + 2 × 2999.00
    app = await new_app(client, token)
    await purchase(client, token, app)
    s = data(await gql(client, SET_AUTO, {"a": app, "e": True, "m": 2}, token))["setAutoRenew"]
    assert s["errors"] == [] and s["package"]["autoRenew"] is True and s["package"]["autoRenewMonths"] == 2
    await advance(client, EXPIRY_1M)
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "ACTIVE"
    assert ts(pkg["expiresAt"]) == sh(2027, 4, 10)
    assert pkg["autoRenewFailureReason"] is None
    evts = await events(client, token)
    renewed = of_type(evts, "AUTO_RENEWED")
    assert len(renewed) == 1 and ts(renewed[0]["occurredAt"]) == EXPIRY_1M
    assert of_type(evts, "PACKAGE_EXPIRED") == []
    auto = await orders(client, token, kind="AUTO_RENEWAL")
    assert len(auto) == 1 and auto[0]["amount"]["amount"] == "5998.00"
    assert amounts((await me(client, token))["balance"])["available"] == "0.00"


async def test_auto_renew_uses_largest_eligible_voucher(client):
    """R-2: auto-renewal uses the largest unexpired voucher not above the price."""
    account_id, token = await funded_owner(client, "4552.26")  # 1653.26 + 2999.00 − 100.00
    for amt, exp in (("50.00", "2027-12-31T00:00:00Z"), ("100.00", "2027-12-31T00:00:00Z"),
                     ("3000.00", "2027-12-31T00:00:00Z"), ("500.00", "2027-02-01T00:00:00Z")):
        assert data(await gql(client, VOUCHER, {"id": account_id, "amt": amt, "exp": exp},
                              OPERATOR))["grantVoucher"]["errors"] == []
    app = await new_app(client, token)
    assert (await purchase(client, token, app, auto_renew=True))["errors"] == []
    await advance(client, EXPIRY_1M)
    auto = await orders(client, token, kind="AUTO_RENEWAL")
    assert len(auto) == 1
    assert amounts(auto[0]["paid"]) == {"voucher": "100.00", "gift": "0.00", "income": "0.00", "cash": "2899.00"}
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"


async def test_auto_renew_fails_insufficient_balance_and_reminders_at_exact_instants(client):
    """R-3: AUTO_RENEW_FAILED data {"reason": "INSUFFICIENT_BALANCE"}, package EXPIRED, failure reason kept.
    R-4: RENEWAL_REMINDER at exactly expiry − 7×24 h and expiry − 24 h (balance too low); C-1 never twice."""
    _, token = await funded_owner(client, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    first, second = EXPIRY_1M - timedelta(hours=7 * 24), EXPIRY_1M - timedelta(hours=24)
    await advance(client, first - timedelta(seconds=1))
    assert of_type(await events(client, token), "RENEWAL_REMINDER") == []
    await advance(client, first)
    await advance(client, first)  # the current instant again: nothing fires twice
    assert [ts(e["occurredAt"]) for e in of_type(await events(client, token), "RENEWAL_REMINDER")] == [first]
    await advance(client, EXPIRY_1M)
    evts = await events(client, token)
    assert [ts(e["occurredAt"]) for e in of_type(evts, "RENEWAL_REMINDER")] == [first, second]
    failed = of_type(evts, "AUTO_RENEW_FAILED")
    assert len(failed) == 1 and json.loads(failed[0]["data"]) == {"reason": "INSUFFICIENT_BALANCE"}
    assert failed[0]["sdkAppId"] == app
    assert len(of_type(evts, "PACKAGE_EXPIRED")) == 1
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "EXPIRED" and pkg["autoRenewFailureReason"] == "INSUFFICIENT_BALANCE"


async def test_reminders_when_auto_renew_off(client):
    """R-4: with auto-renewal off, reminders come at expiry − 7×24 h and − 24 h even with money."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, EXPIRY_1M - timedelta(seconds=1))
    got = [ts(e["occurredAt"]) for e in of_type(await events(client, token, app), "RENEWAL_REMINDER")]
    assert got == [EXPIRY_1M - timedelta(hours=168), EXPIRY_1M - timedelta(hours=24)]


async def test_no_reminder_when_auto_renew_on_and_funded(client):
    """R-4: no reminder when auto-renewal is on and the balance covers it."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await advance(client, EXPIRY_1M - timedelta(seconds=1))
    assert of_type(await events(client, token), "RENEWAL_REMINDER") == []


async def test_auto_renew_real_name_abnormal_checked_before_balance(client):
    """R-3: order of checks — REAL_NAME_ABNORMAL comes before INSUFFICIENT_BALANCE."""
    account_id, token = await funded_owner(client, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    r = data(await gql(client, "mutation($id: ID!) { setRealNameVerified(accountId: $id, verified: false) { errors { code } } }",
                       {"id": account_id}, OPERATOR))["setRealNameVerified"]
    assert r["errors"] == []
    await advance(client, EXPIRY_1M)
    failed = of_type(await events(client, token), "AUTO_RENEW_FAILED")
    assert [json.loads(e["data"]) for e in failed] == [{"reason": "REAL_NAME_ABNORMAL"}]
    assert (await application(client, token, app))["package"]["autoRenewFailureReason"] == "REAL_NAME_ABNORMAL"


async def test_auto_renew_account_restricted_when_suspended(client):
    """R-3: a SUSPENDED account's auto-renewal fails with ACCOUNT_RESTRICTED (checked first)."""
    _, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token, "paid")
    bare = await new_app(client, token, "bare")
    await purchase(client, token, app, auto_renew=True)
    await record_usage(client, service, [usage_event("u1", bare, 1000)])
    await advance(client, EXPIRY_1M)
    assert (await me(client, token))["status"] == "SUSPENDED"
    failed = of_type(await events(client, token), "AUTO_RENEW_FAILED")
    assert [json.loads(e["data"]) for e in failed] == [{"reason": "ACCOUNT_RESTRICTED"}]
    assert (await application(client, token, app))["package"]["status"] == "EXPIRED"


# --------------------------------------------------------------------------------------------
# §6 Upgrade
# --------------------------------------------------------------------------------------------

async def test_upgrade_basic_to_advanced_1_month_1806_45(client):
    """U-2/U-3: BASIC (1 month) → ADVANCED at 01-25: 3500 × 16/31 = 1806.45; expiry unchanged."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["errors"] == []
    assert u["order"]["kind"] == "UPGRADE" and u["order"]["amount"]["amount"] == "1806.45"
    assert [line["amount"]["amount"] for line in u["order"]["lines"]] == ["1806.45"]
    assert u["package"]["edition"] == "ADVANCED" and u["package"]["rtc"]["code"] == "RTC_ULTIMATE"
    assert ts(u["package"]["expiresAt"]) == EXPIRY_1M
    assert of_type(await events(client, token), "PACKAGE_UPGRADED")
    assert (await entitlements(client, token, app))["limits"]["maxParticipants"] == 200


async def test_upgrade_basic_3_months_to_advanced_8806_45(client):
    """U-3: bought for 3 months: 3500 × (16/31 + 2) = 8806.45."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, months=3)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["errors"] == [] and u["order"]["amount"]["amount"] == "8806.45"
    assert ts(u["package"]["expiresAt"]) == sh(2027, 4, 10)


async def test_upgrade_basic_to_large_room_two_lines_2580_64(client):
    """U-3: one line per raised component, each rounded: 1806.45 + 774.19 = 2580.64."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "LARGE_ROOM")
    assert u["errors"] == []
    assert sorted(line["amount"]["amount"] for line in u["order"]["lines"]) == ["1806.45", "774.19"]
    assert u["order"]["amount"]["amount"] == "2580.64"
    assert u["package"]["im"]["code"] == "IM_ULTIMATE"


async def test_upgrade_grows_included_minutes_by_fraction(client):
    """U-4: this month's minutes grow by (1,400,000 − 380,000) × 16/31, rounded down = 526,451."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["package"]["includedMinutesLeft"] == 380000 + 526451
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 906451


async def test_upgrade_refusals(client):
    """U-1: DOWNGRADE_NOT_ALLOWED, SAME_EDITION; NO_ACTIVE_PACKAGE for trials, expired or no packages."""
    _, token = await funded_owner(client)
    adv, basic, trial, none = [await new_app(client, token, n) for n in ("adv", "basic", "trial", "none")]
    await purchase(client, token, adv, edition="ADVANCED")
    await purchase(client, token, basic)
    await start_trial(client, token, trial)
    assert codes(await upgrade(client, token, adv, "BASIC")) == ["DOWNGRADE_NOT_ALLOWED"]
    assert codes(await upgrade(client, token, basic, "BASIC")) == ["SAME_EDITION"]
    assert codes(await upgrade(client, token, adv, "ADVANCED")) == ["SAME_EDITION"]
    assert codes(await upgrade(client, token, trial, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    assert codes(await upgrade(client, token, none, "ADVANCED")) == ["NO_ACTIVE_PACKAGE"]
    assert (await upgrade(client, token, adv, "LARGE_ROOM"))["errors"] == []
    assert codes(await upgrade(client, token, adv, "ADVANCED", key="down2")) == ["DOWNGRADE_NOT_ALLOWED"]
    await advance(client, EXPIRY_1M)
    assert codes(await upgrade(client, token, basic, "ADVANCED", key="late")) == ["NO_ACTIVE_PACKAGE"]


# --------------------------------------------------------------------------------------------
# §9 Usage and settlement
# --------------------------------------------------------------------------------------------

async def test_usage_weights_and_postpaid_rate_no_package(client):
    """M-2/M-3: weights 1/2/4/9/16/36; no-package usage billed at 7.00 per 1,000 standard minutes,
    settled at 01:00 Asia/Shanghai for the previous day: 6,800 standard minutes → 47.60."""
    _, token = await funded_owner(client, "100.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    kinds = ["AUDIO", "VIDEO_SD", "VIDEO_HD", "VIDEO_FHD", "VIDEO_2K", "VIDEO_4K"]
    u = await record_usage(client, service, [usage_event(f"w-{k}", app, 100, k) for k in kinds])
    assert (u["accepted"], u["errors"]) == (6, [])
    settle = sh(2027, 1, 11, 1)
    await advance(client, settle - timedelta(seconds=1))
    assert await orders(client, token, kind="POSTPAID") == []
    await advance(client, settle)
    post = await orders(client, token, kind="POSTPAID")
    assert len(post) == 1 and post[0]["amount"]["amount"] == "47.60" and post[0]["sdkAppId"] == app
    settled = of_type(await events(client, token), "USAGE_SETTLED")
    assert len(settled) == 1 and settled[0]["sdkAppId"] == app
    assert amounts((await me(client, token))["balance"])["available"] == "52.40"


async def test_overage_beyond_allowance_and_service_continues(client):
    """M-2/M-3/M-5: minutes beyond the 380,000 allowance are billed (1,000 → 7.00); service never stops."""
    _, token = await funded_owner(client, "2000.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await record_usage(client, service, [usage_event("big", app, 381000)])
    ent = await entitlements(client, token, app)
    assert ent["includedMinutesLeft"] == 0
    assert (ent["featuresUnlocked"], ent["serviceActive"]) == (True, True)
    await advance(client, sh(2027, 1, 11, 1))
    post = await orders(client, token, kind="POSTPAID")
    assert [o["amount"]["amount"] for o in post] == ["7.00"]


async def test_included_minutes_reset_each_package_month(client):
    """M-2: minutes are granted per package month and lapse at its end (ALLOWANCE_GRANTED)."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app, months=2)
    await record_usage(client, service, [usage_event("m1", app, 100000)])
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 280000
    await advance(client, EXPIRY_1M)
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 380000
    assert len(of_type(await events(client, token, app), "ALLOWANCE_GRANTED")) == 2


async def test_record_usage_batch_limit_and_idempotency(client):
    """M-1: > 1,000 events refused whole (BATCH_TOO_LARGE); idempotent by eventId; a bad event gets its own
    error and the good ones are kept."""
    _, token = await new_account(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    big = [usage_event(f"b{i}", app, 1) for i in range(1001)]
    result = await gql(client, USAGE, {"ev": big}, service)
    payload_codes = codes(result["data"]["recordUsage"]) if result.get("data") else []
    assert "BATCH_TOO_LARGE" in payload_codes + error_codes(result), result.get("errors")
    ok = await record_usage(client, service, big[:1000])
    assert ok["accepted"] == 1000
    again = await record_usage(client, service, [big[0], usage_event("fresh", app, 1),
                                                 usage_event("bad", 1399999999, 1)])
    assert (again["accepted"], again["duplicates"]) == (1, 1)
    assert len(again["errors"]) == 1


async def test_im_overage_monthly_settlement(client):
    """M-4: (peak DAU − 10,000) × 0.10 + (peak groups − 100,000) × 0.01 = 200.00 + 5.00, settled 01:00 on the 1st."""
    _, token = await funded_owner(client, "5000.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, sh(2027, 1, 20))
    for day, dau, groups in (("2027-01-12", 12000, 90000), ("2027-01-15", 11000, 100500)):
        r = data(await gql(client, IM_STATS, {"a": app, "d": day, "dau": dau, "g": groups}, service))["recordImStats"]
        assert r["errors"] == []
    await advance(client, sh(2027, 2, 1, 1))
    post = await orders(client, token, kind="POSTPAID")
    assert [o["amount"]["amount"] for o in post] == ["205.00"]


# --------------------------------------------------------------------------------------------
# §7 Arrears, suspension, reclaim, ban
# --------------------------------------------------------------------------------------------

async def _into_arrears(client):
    """An owner with a BASIC app (balance 0 after buying) and a bare app with 1,000 audio minutes:
    7.00 postpaid at 2027-01-11 01:00 Shanghai → ARREARS."""
    account_id, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    paid = await new_app(client, token, "paid")
    bare = await new_app(client, token, "bare")
    assert (await purchase(client, token, paid))["errors"] == []
    await record_usage(client, service, [usage_event("arrears", bare, 1000)])
    await advance(client, sh(2027, 1, 11, 1))
    return account_id, token, paid, bare


async def test_arrears_start_when_balance_negative(client):
    """S-1/S-7/N-1: postpaid taken into a negative cash balance; ARREARS at that instant, account-level event;
    an account in ARREARS but not yet suspended is served."""
    _, token, paid, bare = await _into_arrears(client)
    acct = await me(client, token)
    assert acct["status"] == "ARREARS" and ts(acct["arrearsSince"]) == sh(2027, 1, 11, 1)
    assert amounts(acct["balance"]) == {"cash": "-7.00", "income": "0.00", "gift": "0.00", "available": "-7.00"}
    started = of_type(await events(client, token), "ARREARS_STARTED")
    assert len(started) == 1 and started[0]["sdkAppId"] is None
    ent = await entitlements(client, token, paid)
    assert (ent["serviceActive"], ent["featuresUnlocked"], ent["reason"]) == (True, True, None)


async def test_arrears_cleared_within_24h(client):
    """S-2: balance back to ≥ 0 within 24 h ends arrears; nothing else happens."""
    _, token, paid, bare = await _into_arrears(client)
    r = data(await gql(client, TOPUP, {"amt": "7.00", "k": "clear"}, token))["topUp"]
    assert r["errors"] == [] and r["account"]["status"] == "NORMAL"
    await advance(client, sh(2027, 1, 13))
    evts = await events(client, token)
    assert of_type(evts, "ARREARS_CLEARED") and of_type(evts, "ACCOUNT_SUSPENDED") == []
    assert (await me(client, token))["status"] == "NORMAL"


async def test_suspension_at_arrears_plus_24h_and_lift_on_topup(client):
    """S-3: still negative at arrears start + 24 h → SUSPENDED; serviceActive false, reason ARREARS, features
    stay unlocked; S-4: a top-up to ≥ 0 lifts it at once."""
    _, token, paid, bare = await _into_arrears(client)
    suspend_at = sh(2027, 1, 12, 1)
    await advance(client, suspend_at - timedelta(seconds=1))
    assert (await me(client, token))["status"] == "ARREARS"
    await advance(client, suspend_at)
    acct = await me(client, token)
    assert acct["status"] == "SUSPENDED" and ts(acct["suspendedAt"]) == suspend_at
    ent = await entitlements(client, token, paid)
    assert (ent["serviceActive"], ent["featuresUnlocked"], ent["reason"], ent["edition"]) == (
        False, True, "ARREARS", "BASIC")
    assert (await application(client, token, paid))["status"] == "SUSPENDED"
    assert of_type(await events(client, token), "ACCOUNT_SUSPENDED")
    r = data(await gql(client, TOPUP, {"amt": "7.00", "k": "lift"}, token))["topUp"]
    assert r["errors"] == [] and r["account"]["status"] == "NORMAL"
    evts = await events(client, token)
    for type_ in ("ARREARS_STARTED", "ACCOUNT_SUSPENDED", "SUSPENSION_LIFTED"):
        assert [e["sdkAppId"] for e in of_type(evts, type_)] == [None], type_
    ent = await entitlements(client, token, paid)
    assert (ent["serviceActive"], ent["reason"]) == (True, None)
    assert (await application(client, token, paid))["status"] == "ACTIVE"


async def test_reclaim_after_90_days_suspended(client):
    """S-5: suspended at +90×24 h → apps RECLAIMED (APP_RECLAIMED); nothing can be bought (APP_RECLAIMED);
    a later top-up lifts the suspension but never brings the app back."""
    _, token, paid, bare = await _into_arrears(client)
    reclaim_at = sh(2027, 1, 12, 1) + timedelta(hours=90 * 24)
    await advance(client, reclaim_at - timedelta(seconds=1))
    assert (await application(client, token, bare))["status"] == "SUSPENDED"
    await advance(client, reclaim_at)
    assert (await application(client, token, bare))["status"] == "RECLAIMED"
    assert (await application(client, token, paid))["status"] == "RECLAIMED"
    assert len(of_type(await events(client, token), "APP_RECLAIMED")) == 2
    r = data(await gql(client, TOPUP, {"amt": "10000.00", "k": "late"}, token))["topUp"]
    assert r["errors"] == [] and r["account"]["status"] == "NORMAL"
    assert (await application(client, token, bare))["status"] == "RECLAIMED"
    assert codes(await purchase(client, token, bare)) == ["APP_RECLAIMED"]
    ent = await entitlements(client, token, bare)
    assert (ent["serviceActive"], ent["reason"]) == (False, "RECLAIMED")


async def test_ban_locks_everything(client):
    """S-6: banAccount → account and apps BANNED; features locked, service stopped; auto-renew off;
    purchases and refunds refused with ACCOUNT_BANNED (F-1 checks the ban first)."""
    account_id, token = await funded_owner(client)
    app, other = await new_app(client, token, "a"), await new_app(client, token, "b")
    p = await purchase(client, token, app, auto_renew=True)
    b = data(await gql(client, "mutation($id: ID!) { banAccount(accountId: $id, reason: \"violation\") { account { status } errors { code } } }",
                       {"id": account_id}, OPERATOR))["banAccount"]
    assert b["errors"] == [] and b["account"]["status"] == "BANNED"
    a = await application(client, token, app)
    assert a["status"] == "BANNED" and a["package"]["autoRenew"] is False
    ent = await entitlements(client, token, app)
    assert (ent["featuresUnlocked"], ent["serviceActive"], ent["reason"], ent["edition"], ent["features"]) == (
        False, False, "BANNED", None, [])
    assert codes(await purchase(client, token, other)) == ["ACCOUNT_BANNED"]
    await advance(client, START + timedelta(hours=121))
    assert codes(await refund(client, token, p["order"]["id"])) == ["ACCOUNT_BANNED"]
    banned = of_type(await events(client, token), "ACCOUNT_BANNED")
    assert len(banned) == 1 and banned[0]["sdkAppId"] is None


# --------------------------------------------------------------------------------------------
# §8 Refund
# --------------------------------------------------------------------------------------------

async def test_refund_purchase_at_120h_approved_and_package_refunded(client):
    """F-1/F-2/F-3/F-4: at exactly paid at + 120 h the refund is approved at once; money back to source;
    package REFUNDED and service stops; REFUND_REQUESTED then REFUND_APPROVED."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await advance(client, START + timedelta(hours=120))
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == []
    assert r["refund"]["status"] == "APPROVED" and r["refund"]["amount"]["amount"] == "1653.26"
    assert r["refund"]["order"]["status"] == "REFUNDED"
    assert amounts((await me(client, token))["balance"])["cash"] == "5000.00"
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    ent = await entitlements(client, token, app)
    assert (ent["serviceActive"], ent["featuresUnlocked"], ent["reason"]) == (False, False, "REFUNDED")
    types = [e["type"] for e in await events(client, token) if e["type"] in REFUND_EVENTS]
    assert types == ["REFUND_REQUESTED", "REFUND_APPROVED"]


async def test_refund_returns_sources_excluding_voucher(client):
    """F-3: money goes back amount for amount to the sub-balances it came from; vouchers are not returned."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "500.00", "gift")
    await credit(client, account_id, "500.00", "income")
    await credit(client, account_id, "1000.00", "cash")
    v = data(await gql(client, VOUCHER, {"id": account_id, "amt": "100.00", "exp": "2027-12-31T00:00:00Z"},
                       OPERATOR))["grantVoucher"]["voucher"]
    app = await new_app(client, token)
    p = await purchase(client, token, app, vouchers=[v["id"]])
    r = await refund(client, token, p["order"]["id"])
    assert r["refund"]["amount"]["amount"] == "1553.26"
    acct = await me(client, token)
    assert amounts(acct["balance"]) == {"cash": "1000.00", "income": "500.00", "gift": "500.00",
                                        "available": "2000.00"}
    assert acct["vouchers"][0]["usedAt"] is not None


async def test_refund_window_expired(client):
    """F-1: now > paid at + 120 h → REFUND_WINDOW_EXPIRED."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await advance(client, START + timedelta(hours=120, seconds=1))
    assert codes(await refund(client, token, p["order"]["id"])) == ["REFUND_WINDOW_EXPIRED"]


async def test_refund_package_used(client):
    """F-1: usage recorded for the app after the payment → PACKAGE_USED."""
    _, token = await funded_owner(client, "5000.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await advance(client, START + timedelta(hours=1))
    await record_usage(client, service, [usage_event("used", app, 5, at=START + timedelta(minutes=30))])
    assert codes(await refund(client, token, p["order"]["id"])) == ["PACKAGE_USED"]


async def test_refund_once_per_account_and_not_for_upgrades(client):
    """F-1: UPGRADE orders → ORDER_NOT_REFUNDABLE; one approved no-reason refund per account → REFUND_ALREADY_USED."""
    _, token = await funded_owner(client)
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    p1 = await purchase(client, token, app1)
    p2 = await purchase(client, token, app2)
    u = await upgrade(client, token, app2, "ADVANCED")
    assert codes(await refund(client, token, u["order"]["id"])) == ["ORDER_NOT_REFUNDABLE"]
    assert (await refund(client, token, p1["order"]["id"]))["refund"]["status"] == "APPROVED"
    assert codes(await refund(client, token, p1["order"]["id"], key="twice")) == ["ORDER_NOT_REFUNDABLE"]
    assert codes(await refund(client, token, p2["order"]["id"])) == ["REFUND_ALREADY_USED"]


async def test_refund_review_pending_then_approved(client):
    """F-2: a flagged account's request waits as PENDING_REVIEW until reviewRefund; approve executes it."""
    account_id, token = await funded_owner(client, "5000.00")
    flag = data(await gql(client, "mutation($id: ID!) { setRefundReview(accountId: $id, required: true) { errors { code } } }",
                          {"id": account_id}, OPERATOR))["setRefundReview"]
    assert flag["errors"] == []
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == [] and r["refund"]["status"] == "PENDING_REVIEW"
    assert r["refund"]["order"]["status"] == "PAID"
    assert (await application(client, token, app))["package"]["status"] == "ACTIVE"
    rv = data(await gql(client, REVIEW, {"r": r["refund"]["id"], "a": True, "n": "ok"}, OPERATOR))["reviewRefund"]
    assert rv["errors"] == [] and rv["refund"]["status"] == "APPROVED"
    assert rv["refund"]["order"]["status"] == "REFUNDED"
    assert (await application(client, token, app))["package"]["status"] == "REFUNDED"
    types = [e["type"] for e in await events(client, token) if e["type"] in REFUND_EVENTS]
    assert types == ["REFUND_REQUESTED", "REFUND_APPROVED"]


async def test_refund_review_rejected(client):
    """F-2/V-1: a rejected review raises REFUND_REJECTED and the order stays PAID."""
    account_id, token = await funded_owner(client, "5000.00")
    await gql(client, "mutation($id: ID!) { setRefundReview(accountId: $id, required: true) { errors { code } } }",
              {"id": account_id}, OPERATOR)
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    rv = data(await gql(client, REVIEW, {"r": r["refund"]["id"], "a": False, "n": "no"}, OPERATOR))["reviewRefund"]
    assert rv["errors"] == [] and rv["refund"]["status"] == "REJECTED"
    assert rv["refund"]["order"]["status"] == "PAID"
    assert of_type(await events(client, token), "REFUND_REJECTED")


async def test_refund_renewal_removes_added_period(client):
    """F-4: refunding a RENEWAL removes the period it added; the package stays ACTIVE to its old expiry."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    r = await renew(client, token, app, months=2)
    assert ts(r["package"]["expiresAt"]) == sh(2027, 4, 10)
    f = await refund(client, token, r["order"]["id"])
    assert f["errors"] == [] and f["refund"]["amount"]["amount"] == "5998.00"
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "ACTIVE" and ts(pkg["expiresAt"]) == EXPIRY_1M


# --------------------------------------------------------------------------------------------
# §10 Entitlements
# --------------------------------------------------------------------------------------------

async def test_entitlements_no_package(client):
    """N-1: base versions keep running without a package: serviceActive true, featuresUnlocked false,
    reason NO_PACKAGE, edition/limits null, features empty."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    ent = await entitlements(client, token, app)
    assert (ent["sdkAppId"], ent["edition"], ent["featuresUnlocked"], ent["serviceActive"], ent["reason"],
            ent["limits"], ent["features"]) == (app, None, False, True, "NO_PACKAGE", None, [])


@pytest.mark.parametrize("edition, extra, maxp, maxv, res", [
    ("TRIAL", SEATS | {"MULTI_DEVICE_LOGIN"}, 20, 20, ["720P", "1080P", "2K", "4K"]),
    ("BASIC", set(), 50, 50, ["720P", "1080P"]),
    ("ADVANCED", SEATS, 200, 50, ["720P", "1080P", "2K", "4K"]),
    ("LARGE_ROOM", SEATS | {"MULTI_DEVICE_LOGIN", "SAME_PLATFORM_MULTI_DEVICE_LOGIN"}, 300, 50,
     ["720P", "1080P", "2K", "4K"]),
])
async def test_entitlements_per_edition(client, edition, extra, maxp, maxv, res):
    """N-1: edition, limits and the edition's feature codes (PLATFORMS included, limits/quotas not)."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    if edition == "TRIAL":
        assert (await start_trial(client, token, app))["errors"] == []
    else:
        assert (await purchase(client, token, app, edition=edition))["errors"] == []
    ent = await entitlements(client, token, app)
    assert (ent["edition"], ent["featuresUnlocked"], ent["serviceActive"], ent["reason"]) == (edition, True, True, None)
    assert ent["limits"] == {"maxParticipants": maxp, "maxVideoStreams": maxv, "resolutions": res}
    assert set(ent["features"]) == ALL_EDITION_FEATURES | extra
    assert not set(ent["features"]) & NOT_FEATURE_CODES


async def test_service_token_reads_entitlements_of_any_app(client):
    """H-1: SERVICE tokens read entitlements for any app; a customer cannot ingest usage."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    assert data(await gql(client, ENTITLEMENTS, {"a": app}, service))["entitlements"]["sdkAppId"] == app
    r = await gql(client, USAGE, {"ev": [usage_event("c", app, 1)]}, token)
    assert "FORBIDDEN" in error_codes(r)


# --------------------------------------------------------------------------------------------
# §11 Access (H-1, H-2), limits (H-3), clock (C-2), events (V-1)
# --------------------------------------------------------------------------------------------

async def test_unauthenticated_and_customer_forbidden_operator_calls(client):
    """H-1: protected fields without a token → UNAUTHENTICATED; customers calling operator mutations → FORBIDDEN."""
    assert error_codes(await gql(client, "{ me { id } }")) == ["UNAUTHENTICATED"]
    _, token = await new_account(client)
    r = await gql(client, ADVANCE, {"to": iso(START + timedelta(days=1))}, token)
    assert error_codes(r) == ["FORBIDDEN"]
    r = await gql(client, "mutation { createAccount(input: {name: \"x\"}) { token errors { code } } }", None, token)
    assert error_codes(r) == ["FORBIDDEN"]


async def test_partner_scopes(client):
    """H-1: a PARTNER call outside its scopes is FORBIDDEN (me: account:read, orders: orders:read,
    package mutations: packages:write, requestRefund: refunds:write)."""
    account_id, owner = await funded_owner(client, "5000.00")
    app = await new_app(client, owner)
    reader = await issue_token(client, "PARTNER", account_id, ["orders:read"])
    writer = await issue_token(client, "PARTNER", account_id, ["account:read", "packages:write"])
    assert error_codes(await gql(client, "{ me { id } }", None, reader)) == ["FORBIDDEN"]
    assert "errors" not in await gql(client, "{ orders { edges { cursor } } }", None, reader)
    r = await gql(client, PURCHASE, {"i": {"sdkAppId": app, "edition": "BASIC", "months": 1,
                                           "acceptAgreements": True, "idempotencyKey": "partner"}}, reader)
    assert error_codes(r) == ["FORBIDDEN"]
    assert data(await gql(client, "{ me { id } }", None, writer))["me"]["id"] == account_id
    p = await purchase(client, writer, app, key="partner-ok")
    assert p["errors"] == []
    assert error_codes(await gql(client, "{ orders { edges { cursor } } }", None, writer)) == ["FORBIDDEN"]
    r = await gql(client, REFUND, {"o": p["order"]["id"], "k": "pr"}, writer)
    assert error_codes(r) == ["FORBIDDEN"]


async def test_other_accounts_ids_answer_like_missing_ids(client):
    """H-2: another account's ids answer NOT_FOUND, exactly as ids that do not exist."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    _, intruder = await funded_owner(client, "5000.00", name="Intruder")
    missing_app = 1499999999
    for query, var_real, var_missing in (
        (APP, {"a": app}, {"a": missing_app}),
        ("query($o: ID!) { order(id: $o) { id } }", {"o": p["order"]["id"]}, {"o": "987654321"}),
        (ENTITLEMENTS, {"a": app}, {"a": missing_app}),
    ):
        real = await gql(client, query, var_real, intruder)
        missing = await gql(client, query, var_missing, intruder)
        for r in (real, missing):
            for e in r.get("errors", []):
                e.pop("locations", None)
        assert real == missing
    assert "NOT_FOUND" in error_codes(await gql(client, ENTITLEMENTS, {"a": app}, intruder))
    assert codes(await refund(client, intruder, p["order"]["id"])) == ["NOT_FOUND"]
    assert codes(await refund(client, intruder, "987654321")) == ["NOT_FOUND"]
    assert codes(await purchase(client, intruder, app, key="steal")) == ["NOT_FOUND"]
    assert codes(await purchase(client, intruder, missing_app, key="steal2")) == ["NOT_FOUND"]


async def test_depth_limit_10(client):
    """H-3: query depth ≤ 10; deeper is refused with a clear message; the server keeps serving.
    Reading: the common graphql-depth-limit convention (root field = depth 0), so depth 10 = 11 nested field
    levels. The contract has no path that deep, so the probe nests unknown fields under `me` and looks for
    the depth message among the errors."""
    _, token = await new_account(client)

    def field_levels(n):
        q = "x"
        for i in range(n - 2):
            q = f"f{i} {{ {q} }}"
        return "{ me { " + q + " } }"

    deep = await gql(client, field_levels(12), None, token)     # depth 11
    assert any("depth" in e["message"].lower() for e in deep["errors"]), deep
    at_limit = await gql(client, field_levels(11), None, token)  # depth 10
    assert not any("depth" in e["message"].lower() for e in at_limit["errors"]), at_limit
    assert "now" in data(await gql(client, "{ now }"))


async def test_alias_limit_15(client):
    """H-3: aliases ≤ 15."""
    fifteen = await gql(client, "{ " + " ".join(f"a{i}: now" for i in range(15)) + " }")
    assert "errors" not in fifteen
    sixteen = await gql(client, "{ " + " ".join(f"a{i}: now" for i in range(16)) + " }")
    assert sixteen.get("errors") and "alias" in sixteen["errors"][0]["message"].lower()


async def test_page_size_101_is_an_error(client):
    """H-3: page size ≤ 100; 101 is an error, not a silent cut."""
    _, token = await new_account(client)
    assert "errors" not in await gql(client, "{ orders(first: 100) { edges { cursor } } }", None, token)
    assert "errors" not in await gql(client, "{ events(first: 100) { edges { cursor } } }", None, token)
    assert (await gql(client, "{ orders(first: 101) { edges { cursor } } }", None, token)).get("errors")
    assert (await gql(client, "{ events(first: 101) { edges { cursor } } }", None, token)).get("errors")


async def test_money_inputs_invalid_amount(client):
    """H-3: money inputs with more than two decimals or ≤ 0 → INVALID_AMOUNT."""
    account_id, token = await new_account(client)
    for i, amt in enumerate(("10.001", "0", "0.00", "-5.00")):
        r = data(await gql(client, TOPUP, {"amt": amt, "k": f"bad{i}"}, token))["topUp"]
        assert codes(r) == ["INVALID_AMOUNT"], amt
    r = data(await gql(client, CREDIT, {"id": account_id, "amt": "1.234", "src": "cash", "k": "c"}, OPERATOR))
    assert codes(r["creditAccount"]) == ["INVALID_AMOUNT"]
    r = data(await gql(client, VOUCHER, {"id": account_id, "amt": "-1.00", "exp": "2027-12-31T00:00:00Z"}, OPERATOR))
    assert codes(r["grantVoucher"]) == ["INVALID_AMOUNT"]
    ok = data(await gql(client, TOPUP, {"amt": "10.5", "k": "good"}, token))["topUp"]
    assert ok["errors"] == [] and amounts(ok["account"]["balance"])["available"] == "10.50"


async def test_name_length_limit_200(client):
    """H-3: names ≤ 200 characters."""
    _, token = await new_account(client)
    ok = await gql(client, "mutation($n: String!) { createApplication(name: $n) { application { name } errors { code } } }",
                   {"n": "n" * 200}, token)
    assert data(ok)["createApplication"]["errors"] == []
    bad = await gql(client, "mutation($n: String!) { createApplication(name: $n) { application { name } errors { code } } }",
                    {"n": "n" * 201}, token)
    assert bad.get("errors") or bad["data"]["createApplication"]["errors"]


async def test_clock_only_moves_forward(client):
    """C-2: advanceClock moves forward only (CLOCK_BACKWARDS); the current instant is allowed."""
    assert ts(data(await gql(client, "{ now }"))["now"]) == START
    back = data(await gql(client, ADVANCE, {"to": iso(START - timedelta(seconds=1))}, OPERATOR))["advanceClock"]
    assert codes(back) == ["CLOCK_BACKWARDS"]
    same = data(await gql(client, ADVANCE, {"to": iso(START)}, OPERATOR))["advanceClock"]
    assert same["errors"] == [] and ts(same["now"]) == START
    fwd = await advance(client, START + timedelta(days=1))
    assert ts(fwd["now"]) == START + timedelta(days=1)
    assert ts(data(await gql(client, "{ now }"))["now"]) == START + timedelta(days=1)


async def test_events_types_and_shapes(client):
    """V-1: events carry type, sdkAppId (null for account-level ones), data as a JSON object string, time."""
    account_id, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    await purchase(client, token, app)
    evts = await events(client, token)
    for e in evts:
        assert isinstance(json.loads(e["data"]), dict)
    credited = of_type(evts, "BALANCE_CREDITED")
    assert len(credited) == 1 and credited[0]["sdkAppId"] is None
    purchased = of_type(evts, "PACKAGE_PURCHASED")
    assert len(purchased) == 1 and purchased[0]["sdkAppId"] == app and ts(purchased[0]["occurredAt"]) == START
    assert of_type(evts, "ALLOWANCE_GRANTED")[0]["sdkAppId"] == app
    only_app = await events(client, token, app)
    assert {e["sdkAppId"] for e in only_app} == {app}


# --------------------------------------------------------------------------------------------
# further rules: anchors, reminders after changes, cache, concurrency, timer order
# --------------------------------------------------------------------------------------------

async def test_upgrade_in_a_28_day_package_month(client):
    """U-3: BASIC 3 months from 01-10, upgrade to ADVANCED at 02-20 00:00: the current package month is
    02-10 → 03-10 (28 days), 18 days left, then 1 whole month: 3500 × (18/28 + 1) = 5750.00."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, months=3)
    await advance(client, sh(2027, 2, 20))
    u = await upgrade(client, token, app, "ADVANCED")
    assert u["errors"] == [] and u["order"]["amount"]["amount"] == "5750.00"


async def test_auto_renewal_keeps_jan31_anchor_and_restart_gets_new_anchor(client):
    """B-3/R-2: a Jan 31 component auto-renewed at Feb 28 runs to Mar 31; a component restarted after expiry
    gets a new anchor (restart Mar 1 → Apr 1)."""
    _, token = await funded_owner(client)
    await advance(client, sh(2027, 1, 31))
    auto_app, manual_app = await new_app(client, token, "auto"), await new_app(client, token, "manual")
    assert (await purchase(client, token, auto_app, auto_renew=True))["errors"] == []
    assert (await purchase(client, token, manual_app))["errors"] == []
    await advance(client, sh(2027, 3, 1))
    auto_pkg = (await application(client, token, auto_app))["package"]
    assert auto_pkg["status"] == "ACTIVE" and ts(auto_pkg["expiresAt"]) == sh(2027, 3, 31)
    assert (await application(client, token, manual_app))["package"]["status"] == "EXPIRED"
    r = await renew(client, token, manual_app, months=1)
    assert r["errors"] == []
    assert ts(r["package"]["rtc"]["startsAt"]) == sh(2027, 3, 1)
    assert ts(r["package"]["expiresAt"]) == sh(2027, 4, 1)


async def test_reminders_follow_the_new_expiry_after_renewal(client):
    """R-4/C-1: after a renewal, reminders are due before the new expiry only."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await renew(client, token, app, months=1)
    new_expiry = sh(2027, 3, 10)
    await advance(client, new_expiry - timedelta(seconds=1))
    got = [ts(e["occurredAt"]) for e in of_type(await events(client, token), "RENEWAL_REMINDER")]
    assert got == [new_expiry - timedelta(hours=168), new_expiry - timedelta(hours=24)]


async def test_no_reminder_when_vouchers_cover_the_gap(client):
    """R-4: auto-renew on; balance 2,899.00 plus a 100.00 voucher covers 2,999.00 → no reminder."""
    account_id, token = await funded_owner(client, "4552.26")
    data(await gql(client, VOUCHER, {"id": account_id, "amt": "100.00", "exp": "2027-12-31T00:00:00Z"}, OPERATOR))
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await advance(client, EXPIRY_1M - timedelta(seconds=1))
    assert of_type(await events(client, token), "RENEWAL_REMINDER") == []


async def test_entitlements_reflect_each_transition_at_once(client):
    """N-2: entitlements (read by the room service on every join, cached) reflect every transition at once."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)

    async def both():
        mine = await entitlements(client, token, app)
        svc = data(await gql(client, ENTITLEMENTS, {"a": app}, service))["entitlements"]
        assert mine == svc
        return mine

    assert (await both())["reason"] == "NO_PACKAGE"
    await purchase(client, token, app)
    assert (await both())["edition"] == "BASIC"
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await upgrade(client, token, app, "ADVANCED")
    assert (await both())["limits"]["maxParticipants"] == 200
    await advance(client, EXPIRY_1M)
    e = await both()
    assert (e["featuresUnlocked"], e["reason"]) == (False, "EXPIRED")
    await renew(client, token, app, months=1, scope="IM_ONLY")
    e = await both()
    assert (e["featuresUnlocked"], e["edition"], e["reason"]) == (True, "ADVANCED", None)


async def test_concurrent_purchases_with_different_keys_make_one_package(client):
    """B-2/B-6/B-7: concurrent purchases for one app with different keys: exactly one succeeds, one charge."""
    _, token = await funded_owner(client, "5000.00")
    app = await new_app(client, token)
    results = await asyncio.gather(*[purchase(client, token, app, key=f"race-{i}") for i in range(5)])
    ok = [r for r in results if r["errors"] == []]
    assert len(ok) == 1, results
    assert sorted(c for r in results for c in codes(r)) == ["PACKAGE_ALREADY_ACTIVE"] * 4
    assert amounts((await me(client, token))["balance"])["available"] == "3346.74"


async def test_concurrent_first_orders_get_the_campaign_once(client):
    """B-4: FIRST_ORDER applies only while the account never had a paid order — two concurrent first purchases
    on two apps cannot both get it: 1653.26 and 2463.02 (ALL_CUSTOMERS)."""
    _, token = await funded_owner(client, "10000.00")
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    r1, r2 = await asyncio.gather(purchase(client, token, app1), purchase(client, token, app2))
    assert r1["errors"] == [] and r2["errors"] == []
    assert sorted([r1["order"]["amount"]["amount"], r2["order"]["amount"]["amount"]]) == ["1653.26", "2463.02"]


async def test_concurrent_purchases_never_overdraw(client):
    """B-6: a prepaid order never makes a balance negative, even under concurrency."""
    _, token = await funded_owner(client, "3000.00")
    apps = [await new_app(client, token, f"app{i}") for i in range(3)]
    results = await asyncio.gather(*[purchase(client, token, a, key=f"k{a}") for a in apps])
    assert sum(r["errors"] == [] for r in results) == 1
    assert float(amounts((await me(client, token))["balance"])["available"]) >= 0


async def test_concurrent_refunds_only_one_approved(client):
    """F-1: one no-reason refund per account, also when two requests race."""
    _, token = await funded_owner(client)
    app1, app2 = await new_app(client, token, "a"), await new_app(client, token, "b")
    p1, p2 = await purchase(client, token, app1), await purchase(client, token, app2)
    r1, r2 = await asyncio.gather(refund(client, token, p1["order"]["id"]), refund(client, token, p2["order"]["id"]))
    assert sorted(codes(r1) + codes(r2)) == ["REFUND_ALREADY_USED"]
    assert len(data(await gql(client, "{ refunds { id status } }", None, token))["refunds"]) == 1


async def test_real_name_required_for_renew_and_upgrade(client):
    """A-2: renewals and upgrades need a real-name verified account."""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await gql(client, "mutation($id: ID!) { setRealNameVerified(accountId: $id, verified: false) { errors { code } } }",
              {"id": account_id}, OPERATOR)
    assert codes(await renew(client, token, app)) == ["REAL_NAME_REQUIRED"]
    assert codes(await upgrade(client, token, app, "ADVANCED")) == ["REAL_NAME_REQUIRED"]


async def test_invalid_duration_on_renew_and_auto_renew(client):
    """B-1/R-1/R-2: months outside 1–36 → INVALID_DURATION for renewals and auto-renew settings too."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    assert codes(await renew(client, token, app, months=0)) == ["INVALID_DURATION"]
    assert codes(await renew(client, token, app, months=37)) == ["INVALID_DURATION"]
    s = data(await gql(client, SET_AUTO, {"a": app, "e": True, "m": 37}, token))["setAutoRenew"]
    assert codes(s) == ["INVALID_DURATION"]


async def test_refund_of_renewal_blocked_by_usage_in_the_period_it_added(client):
    """F-1: for a RENEWAL, usage inside the period it added gives PACKAGE_USED (here the renewal restarted an
    expired package at 02-12, so usage at 02-12 00:30 is inside it)."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await advance(client, sh(2027, 2, 12))
    r = await renew(client, token, app, months=1)
    await advance(client, sh(2027, 2, 12, 1))
    await record_usage(client, service, [usage_event("in-renewal", app, 10, at=sh(2027, 2, 12, 0, 30))])
    assert codes(await refund(client, token, r["order"]["id"])) == ["PACKAGE_USED"]


async def test_purchase_refund_ignores_usage_before_payment(client):
    """F-1: for a PURCHASE only usage from its payment on counts."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await record_usage(client, service, [usage_event("pre", app, 10)])
    await advance(client, START + timedelta(hours=2))
    p = await purchase(client, token, app)
    r = await refund(client, token, p["order"]["id"])
    assert r["errors"] == [] and r["refund"]["status"] == "APPROVED"


async def test_one_clock_jump_runs_timers_at_their_due_instants(client):
    """C-1/C-2: one advanceClock over 100 days runs every timer in due order, each at its due instant."""
    _, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    paid, bare = await new_app(client, token, "paid"), await new_app(client, token, "bare")
    await purchase(client, token, paid)
    await record_usage(client, service, [usage_event("u", bare, 1000)])
    await advance(client, sh(2027, 4, 20))
    evts = await events(client, token)
    assert all(isinstance(json.loads(e["data"]), dict) for e in evts)
    seen = [(e["type"], ts(e["occurredAt"])) for e in evts
            if e["type"] in {"USAGE_SETTLED", "ARREARS_STARTED", "ACCOUNT_SUSPENDED", "RENEWAL_REMINDER",
                             "PACKAGE_EXPIRED", "APP_RECLAIMED"}]
    assert seen == [
        ("USAGE_SETTLED", sh(2027, 1, 11, 1)),
        ("ARREARS_STARTED", sh(2027, 1, 11, 1)),
        ("ACCOUNT_SUSPENDED", sh(2027, 1, 12, 1)),
        ("RENEWAL_REMINDER", sh(2027, 2, 3)),
        ("RENEWAL_REMINDER", sh(2027, 2, 9)),
        ("PACKAGE_EXPIRED", sh(2027, 2, 10)),
        ("APP_RECLAIMED", sh(2027, 4, 12, 1)),
        ("APP_RECLAIMED", sh(2027, 4, 12, 1)),
    ]


async def test_ban_blocks_renewal_and_trial(client):
    """S-6: after a ban nothing can be bought for its apps: renewals and trials too → ACCOUNT_BANNED."""
    account_id, token = await funded_owner(client)
    app, other = await new_app(client, token, "a"), await new_app(client, token, "b")
    await purchase(client, token, app)
    await gql(client, "mutation($id: ID!) { banAccount(accountId: $id, reason: \"x\") { errors { code } } }",
              {"id": account_id}, OPERATOR)
    assert codes(await renew(client, token, app)) == ["ACCOUNT_BANNED"]
    assert codes(await start_trial(client, token, other)) == ["ACCOUNT_BANNED"]
    assert codes(await upgrade(client, token, app, "ADVANCED")) == ["ACCOUNT_BANNED"]


async def test_auto_renewal_renews_only_the_expiring_component(client):
    """R-2: auto-renewal renews what expires: with RTC renewed to 03-10, at 02-10 only IM (1499.00) is renewed."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await advance(client, EXPIRY_1M)
    auto = await orders(client, token, kind="AUTO_RENEWAL")
    assert [o["amount"]["amount"] for o in auto] == ["1499.00"]
    pkg = (await application(client, token, app))["package"]
    assert pkg["status"] == "ACTIVE"
    assert ts(pkg["rtc"]["expiresAt"]) == sh(2027, 3, 10) and ts(pkg["im"]["expiresAt"]) == sh(2027, 3, 10)


async def test_upgrade_prices_each_component_by_its_own_remaining_months(client):
    """U-3 (reading: remaining months per raised component): RTC renewed to 03-10, IM to 02-10; upgrade to
    LARGE_ROOM at 01-25: RTC 3500 × (16/31 + 1) = 5306.45, IM 1500 × 16/31 = 774.19; total 6080.64."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app)
    await renew(client, token, app, months=1, scope="RTC_ONLY")
    await advance(client, UPGRADE_AT)
    u = await upgrade(client, token, app, "LARGE_ROOM")
    assert u["errors"] == []
    assert sorted(line["amount"]["amount"] for line in u["order"]["lines"]) == ["5306.45", "774.19"]
    assert u["order"]["amount"]["amount"] == "6080.64"


async def test_upgrade_next_month_gets_full_new_allowance(client):
    """U-4/M-2: after the upgrade month, the next package month grants the new edition's full 1,400,000."""
    _, token = await funded_owner(client)
    app = await new_app(client, token)
    await purchase(client, token, app, months=3)
    await advance(client, UPGRADE_AT)
    await upgrade(client, token, app, "ADVANCED")
    await advance(client, EXPIRY_1M)
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 1400000


async def test_included_minutes_consumed_in_standard_minutes(client):
    """M-2: the allowance is consumed with the weights: 100 HD minutes = 400 standard minutes."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await purchase(client, token, app)
    await record_usage(client, service, [usage_event("hd", app, 100, "VIDEO_HD")])
    assert (await entitlements(client, token, app))["includedMinutesLeft"] == 379600


async def test_daily_settlement_uses_the_shanghai_calendar_day(client):
    """M-3: usage is settled per Asia/Shanghai day at 01:00 the next day: 23:30 on 01-10 goes to the 01-11 run,
    00:10 on 01-11 to the 01-12 run."""
    _, token = await funded_owner(client, "100.00")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await advance(client, sh(2027, 1, 11, 0, 30))
    await record_usage(client, service, [usage_event("late-10", app, 1000, at=sh(2027, 1, 10, 23, 30)),
                                         usage_event("early-11", app, 2000, at=sh(2027, 1, 11, 0, 10))])
    await advance(client, sh(2027, 1, 11, 1))
    assert [o["amount"]["amount"] for o in await orders(client, token, kind="POSTPAID")] == ["7.00"]
    await advance(client, sh(2027, 1, 12, 1))
    assert sorted(o["amount"]["amount"] for o in await orders(client, token, kind="POSTPAID")) == ["14.00", "7.00"]


async def test_partial_topup_keeps_suspension(client):
    """S-4: only a top-up that brings the balance to ≥ 0 lifts the suspension."""
    _, token, paid, bare = await _into_arrears(client)
    await advance(client, sh(2027, 1, 12, 1))
    r = data(await gql(client, TOPUP, {"amt": "5.00", "k": "part"}, token))["topUp"]
    assert r["account"]["status"] == "SUSPENDED"
    r = data(await gql(client, TOPUP, {"amt": "2.00", "k": "rest"}, token))["topUp"]
    assert r["account"]["status"] == "NORMAL"


async def test_reclaim_counts_from_the_latest_suspension(client):
    """S-5: the 90 days count from the suspension still in force: lifted and suspended again later, the app
    is not reclaimed at the first suspension + 90 days but at the second one's."""
    _, token, paid, bare = await _into_arrears(client)
    service = await issue_token(client, "SERVICE")
    await advance(client, sh(2027, 2, 1))
    assert (await me(client, token))["status"] == "SUSPENDED"
    data(await gql(client, TOPUP, {"amt": "7.00", "k": "lift"}, token))
    await record_usage(client, service, [usage_event("again", bare, 1000, at=sh(2027, 2, 1))])
    await advance(client, sh(2027, 2, 3, 1))
    acct = await me(client, token)
    assert acct["status"] == "SUSPENDED" and ts(acct["suspendedAt"]) == sh(2027, 2, 3, 1)
    await advance(client, sh(2027, 4, 12, 1))
    assert (await application(client, token, bare))["status"] == "SUSPENDED"
    await advance(client, sh(2027, 2, 3, 1) + timedelta(hours=90 * 24))
    assert (await application(client, token, bare))["status"] == "RECLAIMED"


async def test_reason_precedence_banned_over_refunded(client):
    """N-1: reason is the first that applies of BANNED, RECLAIMED, ARREARS, REFUNDED, EXPIRED, NO_PACKAGE."""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)
    p = await purchase(client, token, app)
    await refund(client, token, p["order"]["id"])
    assert (await entitlements(client, token, app))["reason"] == "REFUNDED"
    await gql(client, "mutation($id: ID!) { banAccount(accountId: $id, reason: \"x\") { errors { code } } }",
              {"id": account_id}, OPERATOR)
    assert (await entitlements(client, token, app))["reason"] == "BANNED"


async def test_service_and_partner_roles_on_money_mutations(client):
    """H-1: SERVICE has no account (no purchases: FORBIDDEN); a PARTNER with refunds:write may request a refund,
    and reading refunds needs orders:read."""
    account_id, token = await funded_owner(client)
    app = await new_app(client, token)
    service = await issue_token(client, "SERVICE")
    r = await gql(client, PURCHASE, {"i": {"sdkAppId": app, "edition": "BASIC", "months": 1,
                                           "acceptAgreements": True, "idempotencyKey": "svc"}}, service)
    assert error_codes(r) == ["FORBIDDEN"]
    p = await purchase(client, token, app)
    refunder = await issue_token(client, "PARTNER", account_id, ["refunds:write"])
    assert error_codes(await gql(client, "{ refunds { id } }", None, refunder)) == ["FORBIDDEN"]
    rr = data(await gql(client, REFUND, {"o": p["order"]["id"], "k": "partner-refund"}, refunder))["requestRefund"]
    assert rr["errors"] == [] and rr["refund"]["status"] == "APPROVED"


async def test_quote_for_another_accounts_app_is_not_found(client):
    """H-2: quote(sdkAppId) for another account's app answers like a missing app."""
    _, token = await new_account(client)
    app = await new_app(client, token)
    _, intruder = await new_account(client, name="I")
    real = await gql(client, QUOTE, {"a": app, "e": "BASIC", "m": 1}, intruder)
    missing = await gql(client, QUOTE, {"a": 1499999999, "e": "BASIC", "m": 1}, intruder)
    for r in (real, missing):
        for e in r.get("errors", []):
            e.pop("locations", None)
            e["message"] = e["message"].replace(str(app), "ID").replace("1499999999", "ID")
    assert real == missing
    assert "NOT_FOUND" in error_codes(real)


async def test_live_events_pushed_over_graphql_transport_ws(server):
    """V-1: events are pushed to live subscribers over graphql-transport-ws, the token in connection_init."""
    import websockets

    async with httpx.AsyncClient(base_url=server) as http:
        _, token = await funded_owner(http, "5000.00")
        app = await new_app(http, token)
        ws_url = server.replace("http", "ws", 1) + "/graphql"
        async with websockets.connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {
                "query": "subscription { events { type sdkAppId data occurredAt } }"}}))
            await asyncio.sleep(0.5)
            assert (await purchase(http, token, app))["errors"] == []
            got = []
            while "PACKAGE_PURCHASED" not in got:
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                assert msg["type"] == "next", msg
                event = msg["payload"]["data"]["events"]
                got.append(event["type"])
                if event["type"] == "PACKAGE_PURCHASED":
                    assert event["sdkAppId"] == app
                    assert json.loads(event["data"])["edition"] == "BASIC"


async def test_refund_check_order_used_before_already_refunded(client):
    """F-1: checks in order — ORDER_NOT_REFUNDABLE (POSTPAID) first; PACKAGE_USED comes before REFUND_ALREADY_USED."""
    _, token = await funded_owner(client)
    service = await issue_token(client, "SERVICE")
    app1, app2, bare = (await new_app(client, token, "a"), await new_app(client, token, "b"),
                        await new_app(client, token, "bare"))
    p1, p2 = await purchase(client, token, app1), await purchase(client, token, app2)
    await record_usage(client, service, [usage_event("b", bare, 1000), usage_event("u2", app2, 10)])
    await advance(client, sh(2027, 1, 11, 1))
    post = await orders(client, token, kind="POSTPAID")
    assert codes(await refund(client, token, post[0]["id"])) == ["ORDER_NOT_REFUNDABLE"]
    assert (await refund(client, token, p1["order"]["id"]))["errors"] == []
    assert codes(await refund(client, token, p2["order"]["id"])) == ["PACKAGE_USED"]


async def test_auto_renew_attempted_in_arrears_then_package_expires(client):
    """R-3: auto-renewal is still attempted for an account in ARREARS (not suspended); it fails with
    INSUFFICIENT_BALANCE and the package expires."""
    _, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    app, bare = await new_app(client, token, "paid"), await new_app(client, token, "bare")
    await purchase(client, token, app, auto_renew=True)
    await advance(client, sh(2027, 2, 8, 12))
    await record_usage(client, service, [usage_event("u", bare, 1000, at=sh(2027, 2, 8, 12))])
    await advance(client, sh(2027, 2, 9, 12))
    assert (await me(client, token))["status"] == "ARREARS"
    await advance(client, EXPIRY_1M)
    failed = of_type(await events(client, token), "AUTO_RENEW_FAILED")
    assert [json.loads(e["data"]) for e in failed] == [{"reason": "INSUFFICIENT_BALANCE"}]
    assert (await application(client, token, app))["package"]["status"] == "EXPIRED"


async def test_second_reminder_skipped_after_top_up(client):
    """R-4: the condition is checked at each reminder instant: after a top-up that covers the auto-renewal, the
    − 24 h reminder is not raised."""
    _, token = await funded_owner(client, "1653.26")
    app = await new_app(client, token)
    await purchase(client, token, app, auto_renew=True)
    await advance(client, EXPIRY_1M - timedelta(hours=168))
    assert len(of_type(await events(client, token), "RENEWAL_REMINDER")) == 1
    data(await gql(client, TOPUP, {"amt": "2999.00", "k": "cover"}, token))
    await advance(client, EXPIRY_1M - timedelta(seconds=1))
    assert len(of_type(await events(client, token), "RENEWAL_REMINDER")) == 1


async def test_no_im_overage_for_trial_or_no_package_months(client):
    """M-4: IM overage is never charged for trial or no-package months."""
    _, token = await funded_owner(client, "1000.00")
    service = await issue_token(client, "SERVICE")
    trial_app, bare = await new_app(client, token, "trial"), await new_app(client, token, "bare")
    await start_trial(client, token, trial_app)
    await advance(client, sh(2027, 1, 13))
    for a in (trial_app, bare):
        r = data(await gql(client, IM_STATS, {"a": a, "d": "2027-01-12", "dau": 50000, "g": 500000},
                           service))["recordImStats"]
        assert r["errors"] == [] and r["accepted"] == 1
    again = data(await gql(client, IM_STATS, {"a": bare, "d": "2027-01-12", "dau": 50000, "g": 500000},
                           service))["recordImStats"]
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    await advance(client, sh(2027, 2, 1, 1))
    assert await orders(client, token, kind="POSTPAID") == []


async def test_postpaid_from_cash_with_positive_gift_is_not_arrears(client):
    """S-7: postpaid charges come from cash (which may go negative); arrears only when the available total < 0."""
    account_id, token = await new_account(client)
    await credit(client, account_id, "100.00", "gift")
    service = await issue_token(client, "SERVICE")
    app = await new_app(client, token)
    await record_usage(client, service, [usage_event("u", app, 1000)])
    await advance(client, sh(2027, 1, 11, 1))
    acct = await me(client, token)
    assert acct["status"] == "NORMAL"
    assert amounts(acct["balance"]) == {"cash": "-7.00", "income": "0.00", "gift": "100.00", "available": "93.00"}
