"""§12 renewal management, black-box: written from SPEC.md and the contract alone (GraphQL only,
simulated time through advanceClock), as a cross-check of the implementation's own tests."""

from datetime import timedelta

from tests.conftest import OPERATOR, START
from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import (
    advance,
    assert_audit_clean,
    balance,
    credit,
    events,
    key,
    of_type,
    purchase,
    renew,
    shanghai,
    voucher,
)

PKG = (
    "sdkAppId edition status expiresAt autoRenew autoRenewMonths renewFlag renewalPrice { amount } "
    "rtc { expiresAt } im { expiresAt }"
)
SET_FLAG = f"""mutation($a: Int!, $f: RenewFlag!, $m: Int) {{ setRenewFlag(sdkAppId: $a, flag: $f, months: $m) {{
  package {{ {PKG} }} errors {{ code field message }} }} }}"""
RENEWALS = f"""query($f: RenewalFilter, $first: Int, $after: String) {{ renewals(filter: $f, first: $first, after: $after) {{
  edges {{ cursor node {{ {PKG} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
BATCH = """mutation($i: BatchRenewInput!) { renewPackages(input: $i) {
  orders { id kind sdkAppId amount { amount } paid { voucher { amount } cash { amount } } }
  packages { sdkAppId expiresAt } errors { code field message } } }"""
ALIGN = """mutation($i: AlignExpiryInput!) { alignExpiry(input: $i) {
  orders { id kind sdkAppId amount { amount } lines { description amount { amount } } }
  packages { sdkAppId expiresAt rtc { expiresAt } im { expiresAt } includedMinutesLeft }
  errors { code field message } } }"""
ALIGN_QUOTE = """query($a: [Int!]!, $d: Int!) { alignExpiryQuote(sdkAppIds: $a, day: $d) {
  lines { description months amount { amount } } total { amount } } }"""
CANCEL = """mutation($o: ID!, $k: String!) { cancelRenewal(orderId: $o, idempotencyKey: $k) {
  refund { id status amount { amount } order { id status kind } } errors { code field message } } }"""
REFUND = """mutation($o: ID!, $k: String!) { requestRefund(orderId: $o, idempotencyKey: $k) {
  refund { status } errors { code } } }"""
ORDERS = "{ orders(first: 100) { edges { node { id kind status } } } }"


async def owner_with_basic(client, months=1, funds="50000.00"):
    account_id, token = await new_account(client)
    await credit(client, account_id, funds)
    app = await new_app(client, token)
    bought = await purchase(client, token, app, "BASIC", months)
    assert bought["errors"] == [], bought
    return account_id, token, app, bought


def errs(payload):
    return [(e["code"], e["field"]) for e in payload["errors"]]


# --- R-6 renew flags ---------------------------------------------------------------------------


async def test_R6_flags_default_manual_and_auto_renew_is_the_flag(client):
    _, token, app, bought = await owner_with_basic(client)
    assert bought["package"]["autoRenew"] is False
    result = data(await gql(client, SET_FLAG, {"a": app, "f": "AUTO_RENEW", "m": 3}, token))["setRenewFlag"]
    assert result["errors"] == []
    assert (result["package"]["renewFlag"], result["package"]["autoRenew"], result["package"]["autoRenewMonths"]) == (
        "AUTO_RENEW",
        True,
        3,
    )
    result = data(await gql(client, SET_FLAG, {"a": app, "f": "NO_RENEW"}, token))["setRenewFlag"]
    assert (result["package"]["renewFlag"], result["package"]["autoRenew"]) == ("NO_RENEW", False)
    changed = of_type(await events(client, token, app), "RENEW_FLAG_CHANGED")
    import json

    assert [json.loads(e["data"])["flag"] for e in changed] == ["AUTO_RENEW", "NO_RENEW"]
    assert json.loads(changed[0]["data"]) == {"flag": "AUTO_RENEW", "months": 3}


async def test_R6_auto_renew_months_out_of_range_and_trials_refused(client):
    _, token, app, _ = await owner_with_basic(client)
    for months in (0, 37):
        result = data(await gql(client, SET_FLAG, {"a": app, "f": "AUTO_RENEW", "m": months}, token))["setRenewFlag"]
        assert [e["code"] for e in result["errors"]] == ["INVALID_DURATION"]
    other = await new_app(client, token)
    trial = data(
        await gql(client, "mutation($a: Int!) { startTrial(sdkAppId: $a) { errors { code } } }", {"a": other}, token)
    )["startTrial"]
    assert trial["errors"] == []
    result = data(await gql(client, SET_FLAG, {"a": other, "f": "NO_RENEW"}, token))["setRenewFlag"]
    assert [e["code"] for e in result["errors"]] == ["NO_ACTIVE_PACKAGE"]


async def test_R6_no_renew_gets_no_reminders_manual_does(client):
    _, token, app, _ = await owner_with_basic(client)
    _, token2, app2, _ = await owner_with_basic(client)
    assert data(await gql(client, SET_FLAG, {"a": app, "f": "NO_RENEW"}, token))["setRenewFlag"]["errors"] == []
    await advance(client, shanghai(2027, 2, 9, 12))  # past both reminder instants, before expiry
    assert of_type(await events(client, token, app), "RENEWAL_REMINDER") == []
    reminders = of_type(await events(client, token2, app2), "RENEWAL_REMINDER")
    assert [r["occurredAt"][:19] for r in reminders] == ["2027-02-02T16:00:00", "2027-02-08T16:00:00"]


# --- R-7 the renewal list -----------------------------------------------------------------------


async def test_R7_list_ordered_by_expiry_with_filters_and_renewal_price(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    apps = [await new_app(client, token) for _ in range(3)]
    assert (await purchase(client, token, apps[0], "LARGE_ROOM", 3))["errors"] == []
    assert (await purchase(client, token, apps[1], "BASIC", 1))["errors"] == []
    assert (await purchase(client, token, apps[2], "ADVANCED", 2))["errors"] == []
    listed = data(await gql(client, RENEWALS, {}, token))["renewals"]["edges"]
    assert [e["node"]["sdkAppId"] for e in listed] == [apps[1], apps[2], apps[0]]
    assert [e["node"]["renewalPrice"]["amount"] for e in listed] == ["2999.00", "6499.00", "7999.00"]
    within = data(await gql(client, RENEWALS, {"f": {"expiringWithinDays": 31}}, token))["renewals"]["edges"]
    assert [e["node"]["sdkAppId"] for e in within] == [apps[1]]  # 02-10 is exactly now + 31 days: included
    within = data(await gql(client, RENEWALS, {"f": {"expiringWithinDays": 30}}, token))["renewals"]["edges"]
    assert within == []
    page = data(await gql(client, RENEWALS, {"first": 2}, token))["renewals"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = data(await gql(client, RENEWALS, {"first": 2, "after": page["pageInfo"]["endCursor"]}, token))["renewals"]
    assert [e["node"]["sdkAppId"] for e in rest["edges"]] == [apps[0]]
    await advance(client, shanghai(2027, 2, 10))
    expired = data(await gql(client, RENEWALS, {"f": {"expired": True}}, token))["renewals"]["edges"]
    assert [(e["node"]["sdkAppId"], e["node"]["status"]) for e in expired] == [(apps[1], "EXPIRED")]
    flagged = data(await gql(client, RENEWALS, {"f": {"flag": "MANUAL_RENEW"}}, token))["renewals"]["edges"]
    assert len(flagged) == 3


async def test_R7_bad_filter_and_page_size_are_errors(client):
    _, token, _, _ = await owner_with_basic(client)
    for days in (0, 367):
        result = await gql(client, RENEWALS, {"f": {"expiringWithinDays": days}}, token)
        assert result["errors"][0]["extensions"]["code"] == "INVALID_FILTER"
    assert "errors" in await gql(client, RENEWALS, {"first": 101}, token)


# --- R-8 batch renewal ---------------------------------------------------------------------------


async def test_R8_batch_renews_in_item_order_with_vouchers_in_order(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "100000.00")
    a, b = await new_app(client, token), await new_app(client, token)
    assert (await purchase(client, token, a, "BASIC", 1))["errors"] == []
    assert (await purchase(client, token, b, "ADVANCED", 1))["errors"] == []
    big = await voucher(client, account_id, "4000.00")
    small = await voucher(client, account_id, "100.00")
    before = await balance(client, token)
    result = data(
        await gql(
            client,
            BATCH,
            {
                "i": {
                    "items": [{"sdkAppId": a, "months": 1}, {"sdkAppId": b, "months": 2, "scope": "RTC_ONLY"}],
                    "voucherIds": [big, small],
                    "idempotencyKey": key(),
                }
            },
            token,
        )
    )["renewPackages"]
    assert result["errors"] == []
    got = [(o["kind"], o["sdkAppId"], o["amount"]["amount"], o["paid"]["voucher"]["amount"]) for o in result["orders"]]
    # A: 2999.00, all of it from the 4000.00 voucher; B: RTC_ULTIMATE 5000 × 2 = 10000.00, 100.00 from the
    # small voucher (the first voucher is used whole on the first order: A-4).
    assert got == [("RENEWAL", a, "2999.00", "2999.00"), ("RENEWAL", b, "10000.00", "100.00")]
    after = await balance(client, token)
    assert float(before["available"]) - float(after["available"]) == 9900.00
    await assert_audit_clean()


async def test_R8_a_refused_item_changes_nothing_and_names_its_index(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "1000000.00")
    apps = []
    for _ in range(50):
        app = await new_app(client, token)
        assert (await purchase(client, token, app, "BASIC", 1))["errors"] == []
        apps.append(app)
    bare = await new_app(client, token)  # no package
    items = [{"sdkAppId": app, "months": 1} for app in apps]
    items[37] = {"sdkAppId": bare, "months": 1}
    before_balance, before_events = await balance(client, token), len(await events(client, token))
    before_orders = data(await gql(client, ORDERS, token=token))["orders"]["edges"]
    result = data(await gql(client, BATCH, {"i": {"items": items, "idempotencyKey": key()}}, token))["renewPackages"]
    assert errs(result) == [("NO_ACTIVE_PACKAGE", "items.37")]
    assert result["orders"] == []
    items[37] = {"sdkAppId": apps[37], "months": 37}
    result = data(await gql(client, BATCH, {"i": {"items": items, "idempotencyKey": key()}}, token))["renewPackages"]
    assert errs(result) == [("INVALID_DURATION", "items.37")]
    assert await balance(client, token) == before_balance
    assert len(await events(client, token)) == before_events
    assert data(await gql(client, ORDERS, token=token))["orders"]["edges"] == before_orders


async def test_R8_batch_size_and_duplicates(client):
    _, token, app, _ = await owner_with_basic(client)
    empty = data(await gql(client, BATCH, {"i": {"items": [], "idempotencyKey": key()}}, token))["renewPackages"]
    assert [e["code"] for e in empty["errors"]] == ["EMPTY_BATCH"]
    many = [{"sdkAppId": app + n, "months": 1} for n in range(101)]
    large = data(await gql(client, BATCH, {"i": {"items": many, "idempotencyKey": key()}}, token))["renewPackages"]
    assert [e["code"] for e in large["errors"]] == ["BATCH_TOO_LARGE"]
    twice = [{"sdkAppId": app, "months": 1}, {"sdkAppId": app, "months": 2}]
    dup = data(await gql(client, BATCH, {"i": {"items": twice, "idempotencyKey": key()}}, token))["renewPackages"]
    assert [e["code"] for e in dup["errors"]] == ["DUPLICATE_APP"]


async def test_R8_insufficient_balance_on_the_total(client):
    account_id, token = await new_account(client)
    await credit(client, account_id, "7000.00")
    a, b = await new_app(client, token), await new_app(client, token)
    assert (await purchase(client, token, a, "BASIC", 1))["errors"] == []  # 1653.26 (first order)
    assert (await purchase(client, token, b, "BASIC", 1))["errors"] == []  # 2463.02 (ALL_CUSTOMERS); 2883.72 left
    result = data(
        await gql(
            client,
            BATCH,
            {"i": {"items": [{"sdkAppId": a, "months": 1}, {"sdkAppId": b, "months": 1}], "idempotencyKey": key()}},
            token,
        )
    )["renewPackages"]
    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert (await balance(client, token))["available"] == "2883.72"


# --- R-9 unified expiry day ----------------------------------------------------------------------


async def test_R9_worked_example_quote_then_alignment_then_renewal_on_the_25th(client):
    _, token, app, _ = await owner_with_basic(client)  # 2027-01-10 00:00 → 02-10 00:00
    quote = data(await gql(client, ALIGN_QUOTE, {"a": [app], "d": 25}, token))["alignExpiryQuote"]
    assert [l["amount"]["amount"] for l in quote["lines"]] == ["803.57", "803.04"]
    assert quote["total"]["amount"] == "1606.61"
    before = await balance(client, token)
    result = data(await gql(client, ALIGN, {"i": {"sdkAppIds": [app], "day": 25, "idempotencyKey": key()}}, token))[
        "alignExpiry"
    ]
    assert result["errors"] == []
    assert [(o["kind"], o["amount"]["amount"]) for o in result["orders"]] == [("ALIGNMENT", "1606.61")]
    package = result["packages"][0]
    assert package["rtc"]["expiresAt"][:19] == package["im"]["expiresAt"][:19] == "2027-02-24T16:00:00"
    after = await balance(client, token)
    assert round(float(before["available"]) - float(after["available"]), 2) == 1606.61
    await advance(client, shanghai(2027, 2, 10))  # the short RTC month starts: 203,571 minutes
    app_state = data(
        await gql(
            client,
            "query($a: Int!) { application(sdkAppId: $a) { package { includedMinutesLeft } } }",
            {"a": app},
            token,
        )
    )["application"]
    assert app_state["package"]["includedMinutesLeft"] == 203_571
    renewed = await renew(client, token, app, 1)
    assert renewed["errors"] == []
    assert renewed["package"]["expiresAt"][:19] == "2027-03-24T16:00:00"  # 03-25 00:00 Asia/Shanghai
    await assert_audit_clean()


async def test_R9_already_aligned_changes_nothing_and_bad_day_and_no_package(client):
    _, token, app, _ = await owner_with_basic(client)
    before = await balance(client, token)
    same = data(await gql(client, ALIGN, {"i": {"sdkAppIds": [app], "day": 10, "idempotencyKey": key()}}, token))[
        "alignExpiry"
    ]
    assert same["errors"] == [] and same["orders"] == []  # 02-10 00:00 is already day 10 at 00:00
    assert await balance(client, token) == before
    for day in (0, 29):
        bad = data(await gql(client, ALIGN, {"i": {"sdkAppIds": [app], "day": day, "idempotencyKey": key()}}, token))[
            "alignExpiry"
        ]
        assert [e["code"] for e in bad["errors"]] == ["INVALID_DAY"]
    bare = await new_app(client, token)
    none = data(await gql(client, ALIGN, {"i": {"sdkAppIds": [app, bare], "day": 25, "idempotencyKey": key()}}, token))[
        "alignExpiry"
    ]
    assert errs(none) == [("NO_ACTIVE_PACKAGE", "sdkAppIds.1")]
    assert await balance(client, token) == before


async def test_R9_alignment_orders_are_not_refundable(client):
    _, token, app, _ = await owner_with_basic(client)
    result = data(await gql(client, ALIGN, {"i": {"sdkAppIds": [app], "day": 25, "idempotencyKey": key()}}, token))[
        "alignExpiry"
    ]
    order_id = result["orders"][0]["id"]
    refused = data(await gql(client, REFUND, {"o": order_id, "k": key()}, token))["requestRefund"]
    assert [e["code"] for e in refused["errors"]] == ["ORDER_NOT_REFUNDABLE"]


# --- F-5 cancelling a renewal not yet started ----------------------------------------------------


async def test_F5_cancel_a_renewal_before_its_period_keeps_the_no_reason_refund(client):
    _, token, app, bought = await owner_with_basic(client)
    renewal = await renew(client, token, app, 2)  # 02-10 → 04-10, not started
    assert renewal["errors"] == []
    before = await balance(client, token)
    result = data(await gql(client, CANCEL, {"o": renewal["order"]["id"], "k": key()}, token))["cancelRenewal"]
    assert result["errors"] == []
    refund = result["refund"]
    assert (refund["status"], refund["amount"]["amount"], refund["order"]["status"]) == (
        "APPROVED",
        "5998.00",
        "REFUNDED",
    )
    after = await balance(client, token)
    assert round(float(after["available"]) - float(before["available"]), 2) == 5998.00
    state = data(
        await gql(client, "query($a: Int!) { application(sdkAppId: $a) { package { expiresAt } } }", {"a": app}, token)
    )["application"]
    assert state["package"]["expiresAt"][:19] == "2027-02-09T16:00:00"
    assert len(of_type(await events(client, token, app), "RENEWAL_CANCELLED")) == 1
    # The account's one no-reason refund is still there (F-1, F-5).
    await advance(client, START + timedelta(hours=100))
    refunded = data(await gql(client, REFUND, {"o": bought["order"]["id"], "k": key()}, token))["requestRefund"]
    assert refunded["errors"] == [] and refunded["refund"]["status"] == "APPROVED"
    await assert_audit_clean()


async def test_F5_started_renewals_and_other_kinds_are_refused(client):
    account_id, token, app, bought = await owner_with_basic(client)
    renewal = await renew(client, token, app, 1)
    refused = data(await gql(client, CANCEL, {"o": bought["order"]["id"], "k": key()}, token))["cancelRenewal"]
    assert [e["code"] for e in refused["errors"]] == ["ORDER_NOT_REFUNDABLE"]
    await advance(client, shanghai(2027, 2, 10))  # the renewal's period starts
    started = data(await gql(client, CANCEL, {"o": renewal["order"]["id"], "k": key()}, token))["cancelRenewal"]
    assert [e["code"] for e in started["errors"]] == ["RENEWAL_ALREADY_STARTED"]
    ban = """mutation($a: ID!) { banAccount(accountId: $a, reason: "x") { errors { code } } }"""
    other_account, other_token, other_app, _ = await owner_with_basic(client)
    pending = await renew(client, other_token, other_app, 1)
    assert data(await gql(client, ban, {"a": other_account}, OPERATOR))["banAccount"]["errors"] == []
    banned = data(await gql(client, CANCEL, {"o": pending["order"]["id"], "k": key()}, other_token))["cancelRenewal"]
    assert [e["code"] for e in banned["errors"]] == ["ACCOUNT_BANNED"]
