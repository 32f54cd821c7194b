"""The one helper module of the black-box acceptance suite (tests/acceptance/test_s*.py).

The suite is written from SPEC.md and contract.graphql only: it talks GraphQL through the `client`
fixture (operator, customer, partner and service tokens) and moves time only with `advanceClock`.
The clock starts at 2027-01-10 00:00 Asia/Shanghai (2027-01-09T16:00:00Z).

Helpers that tests/money.py, tests/factories.py or tests/gql.py already have are re-exported from
there, not copied; what is defined here is what those modules lack (upgrade, refund and review,
setAutoRenew, quotes, a top-up whose payload carries the balance, the arrears scenario).
"""

from datetime import UTC, datetime

from tests.conftest import OPERATOR, START
from tests.factories import issue_token, new_account, new_app
from tests.gql import data, error_codes, gql
from tests.money import (
    APPLICATION,
    CREDIT,
    ENTITLEMENTS,
    GRANT,
    PURCHASE,
    RECORD_USAGE,
    RENEW,
    TOP_UP,
    account_state,
    advance,
    application,
    balance,
    ban_account,
    codes,
    credit,
    entitlements,
    events,
    key,
    of_type,
    orders_of,
    purchase,
    record_im_stats,
    record_usage,
    renew,
    set_real_name,
    shanghai,
    start_trial,
    top_up,
    usage_event,
    voucher,
    vouchers,
)

__all__ = [  # re-exports of tests.conftest/factories/gql/money, and what is defined here
    "ALL_EDITION_FEATURES",
    "APPLICATION",
    "CREDIT",
    "ENTITLEMENTS",
    "EXPIRY_1M",
    "GRANT",
    "OPERATOR",
    "PURCHASE",
    "QUOTE",
    "RECORD_USAGE",
    "REFUND",
    "REFUND_EVENTS",
    "RENEW",
    "SEATS",
    "START",
    "TOP_UP",
    "UPGRADE",
    "UPGRADE_AT",
    "account_state",
    "advance",
    "amounts",
    "application",
    "balance",
    "ban_account",
    "codes",
    "credit",
    "data",
    "entitlements",
    "error_codes",
    "events",
    "funded_owner",
    "gql",
    "into_arrears",
    "issue_token",
    "key",
    "new_account",
    "new_app",
    "of_type",
    "order_amount",
    "orders_of",
    "purchase",
    "quote",
    "record_im_stats",
    "record_usage",
    "refund",
    "renew",
    "review",
    "set_auto_renew",
    "set_real_name",
    "set_refund_review",
    "shanghai",
    "start_trial",
    "top_up",
    "top_up_with_balance",
    "ts",
    "upgrade",
    "usage_event",
    "voucher",
    "vouchers",
]


def ts(value: str) -> datetime:
    """An API instant (ISO-8601, `Z` or an offset) as an aware UTC datetime."""
    return datetime.fromisoformat(value).astimezone(UTC)


def amounts(money_fields: dict) -> dict:
    """{"cash": {"amount": "1.00"}, …} → {"cash": "1.00", …}: a balance or an order's `paid` split."""
    return {k: v["amount"] for k, v in money_fields.items()}


async def funded_owner(client, amount="100000.00", name="Acme", verified=True) -> tuple[str, str]:
    """(account id, token) of a new OWNER credited `amount` cash (nothing when `amount` is falsy)."""
    account_id, token = await new_account(client, name=name, verified=verified)
    if amount:
        await credit(client, account_id, amount)
    return account_id, token


async def into_arrears(client):
    """An owner with a BASIC app (balance 0 after buying) and a bare app with 1,000 audio minutes:
    7.00 postpaid at 2027-01-11 01:00 Shanghai → ARREARS. Returns (account id, token, paid app, bare app)."""
    account_id, token = await funded_owner(client, "1653.26")
    service = await issue_token(client, "SERVICE")
    paid = await new_app(client, token, "paid")
    bare = await new_app(client, token, "bare")
    assert (await purchase(client, token, paid))["errors"] == []
    await record_usage(client, service, [usage_event(bare, 1000)])
    await advance(client, shanghai(2027, 1, 11, 1))
    return account_id, token, paid, bare


# --- Mutations and queries tests/money.py has no helper for. Their payloads select the package's
# includedMinutesLeft (upgrades) and the refund's order, which the acceptance tests assert on.

PKG = """id sdkAppId edition status startedAt expiresAt autoRenew autoRenewMonths autoRenewFailureReason
         includedMinutesLeft rtc { code startsAt expiresAt } im { code startsAt expiresAt }"""
ORDER = """id kind status sdkAppId edition months createdAt amount { amount currency }
           paid { voucher { amount } gift { amount } income { amount } cash { amount } }
           lines { description months amount { amount } campaign }"""
BALANCE = "balance { cash { amount } income { amount } gift { amount } available { amount } }"

UPGRADE = f"""mutation($i: UpgradeInput!) {{ upgradePackage(input: $i) {{
  order {{ {ORDER} }} package {{ {PKG} }} errors {{ code field message }} }} }}"""
SET_AUTO = f"""mutation($a: Int!, $e: Boolean!, $m: Int) {{ setAutoRenew(sdkAppId: $a, enabled: $e, months: $m) {{
  package {{ {PKG} }} errors {{ code field message }} }} }}"""
REFUND = """mutation($o: ID!, $k: String!) { requestRefund(orderId: $o, idempotencyKey: $k) {
  refund { id status amount { amount } createdAt order { id kind status } } errors { code field message } } }"""
REVIEW = """mutation($r: ID!, $a: Boolean!, $n: String) { reviewRefund(refundId: $r, approve: $a, note: $n) {
  refund { id status amount { amount } order { id status } } errors { code field message } } }"""
SET_REFUND_REVIEW = """mutation($id: ID!, $required: Boolean!) {
  setRefundReview(accountId: $id, required: $required) { errors { code } } }"""
TOP_UP_WITH_BALANCE = f"""mutation($amount: Decimal!, $key: String!) {{ topUp(amount: $amount, idempotencyKey: $key) {{
  account {{ id status {BALANCE} }} errors {{ code field message }} }} }}"""
QUOTE = """query($a: Int, $e: EditionCode!, $m: Int!) { quote(sdkAppId: $a, edition: $e, months: $m) {
  lines { description months amount { amount } campaign } total { amount currency } } }"""
ORDER_AMOUNT = "query($id: ID!) { order(id: $id) { amount { amount currency } } }"


async def upgrade(client, token, app, target, idem=None) -> dict:
    """upgradePackage; `idem` is sent as given (an empty key too), a fresh key when None."""
    variables = {"i": {"sdkAppId": app, "targetEdition": target, "idempotencyKey": key() if idem is None else idem}}
    return data(await gql(client, UPGRADE, variables, token))["upgradePackage"]


async def refund(client, token, order_id, idem=None) -> dict:
    """requestRefund; `idem` is sent as given (an empty key too), a fresh key when None."""
    variables = {"o": order_id, "k": key() if idem is None else idem}
    return data(await gql(client, REFUND, variables, token))["requestRefund"]


async def review(client, refund_id, approve: bool, note=None) -> dict:
    return data(await gql(client, REVIEW, {"r": refund_id, "a": approve, "n": note}, OPERATOR))["reviewRefund"]


async def set_refund_review(client, account_id, required=True) -> None:
    payload = data(await gql(client, SET_REFUND_REVIEW, {"id": account_id, "required": required}, OPERATOR))[
        "setRefundReview"
    ]
    assert payload["errors"] == [], payload


async def set_auto_renew(client, token, app, enabled=True, months=None) -> dict:
    return data(await gql(client, SET_AUTO, {"a": app, "e": enabled, "m": months}, token))["setAutoRenew"]


async def quote(client, token, edition, months, app=None) -> dict:
    return data(await gql(client, QUOTE, {"a": app, "e": edition, "m": months}, token))["quote"]


async def top_up_with_balance(client, token, amount, idem) -> dict:
    """topUp whose payload carries the account's balance (tests.money.top_up selects the status only)."""
    return data(await gql(client, TOP_UP_WITH_BALANCE, {"amount": amount, "key": idem}, token))["topUp"]


async def order_amount(client, token, order_id) -> dict:
    """The stored order's amount with its currency (tests.money's order fields leave the currency out)."""
    return data(await gql(client, ORDER_AMOUNT, {"id": order_id}, token))["order"]["amount"]


EXPIRY_1M = shanghai(2027, 2, 10)  # a 1-month package bought at START ends 2027-02-10 00:00 Asia/Shanghai
UPGRADE_AT = shanghai(2027, 1, 25)  # U-3's example instant

ALL_EDITION_FEATURES = {
    "STANDARD_UI",
    "FLOATING_WINDOW",
    "CUSTOM_UI",
    "LOGIN_LOGOUT",
    "SET_PROFILE",
    "GET_PROFILE",
    "ROOM_LIFECYCLE",
    "ROOM_INFO",
    "ROOM_CUSTOM_INFO",
    "ROOM_TEXT_MESSAGE",
    "MULTI_VIDEO_CALL",
    "MULTI_VOICE_CALL",
    "CAMERA_TOGGLE",
    "MIC_TOGGLE",
    "MIC_VOLUME",
    "EVENT_CALLBACKS",
    "MEMBER_LIST",
    "MEMBER_ROLE_SWITCH",
    "MUTE_ONE",
    "MUTE_ALL",
    "KICK_MEMBER",
    "SCREEN_SHARE",
    "AI_NOISE_SUPPRESSION",
    "DEFAULT_AUDIO_MIXING",
    "WEAK_NETWORK_OPTIMIZATION",
    "PLATFORMS",
}
SEATS = {"SEAT_MODES", "REQUEST_TO_SPEAK", "CUSTOM_SEAT_COUNT", "SEAT_INVITE_LOCK_KICK"}
REFUND_EVENTS = {"REFUND_REQUESTED", "REFUND_APPROVED", "REFUND_REJECTED"}
