"""GraphQL documents and helpers of the renewal-management suite (SPEC §12)."""

from tests.factories import new_account, new_app
from tests.gql import data, gql
from tests.money import ORDER_FIELDS, credit, key, purchase

PKG = """sdkAppId status edition expiresAt rtc { code startsAt expiresAt } im { code startsAt expiresAt }
  autoRenew autoRenewMonths renewFlag renewalPrice { amount } includedMinutesLeft"""
SET_FLAG = f"""mutation($app: Int!, $flag: RenewFlag!, $months: Int) {{
  setRenewFlag(sdkAppId: $app, flag: $flag, months: $months) {{ package {{ {PKG} }} errors {{ code field message }} }} }}"""
SET_AUTO = """mutation($app: Int!, $enabled: Boolean!) {
  setAutoRenew(sdkAppId: $app, enabled: $enabled) { package { renewFlag autoRenew } errors { code } } }"""
RENEWALS = f"""query($filter: RenewalFilter, $first: Int, $after: String) {{
  renewals(filter: $filter, first: $first, after: $after) {{
    edges {{ cursor node {{ {PKG} }} }} pageInfo {{ hasNextPage endCursor }} }} }}"""
BATCH_ORDER = """id kind status sdkAppId edition months amount { amount }
  paid { voucher { amount } gift { amount } income { amount } cash { amount } }
  lines { description months amount { amount } campaign }"""
RENEW_BATCH = f"""mutation($input: BatchRenewInput!) {{ renewPackages(input: $input) {{
  orders {{ {BATCH_ORDER} }} packages {{ {PKG} }} errors {{ code field message }} }} }}"""
ALIGN = f"""mutation($input: AlignExpiryInput!) {{ alignExpiry(input: $input) {{
  orders {{ {BATCH_ORDER} }} packages {{ {PKG} }} errors {{ code field message }} }} }}"""
ALIGN_QUOTE = """query($apps: [Int!]!, $day: Int!) { alignExpiryQuote(sdkAppIds: $apps, day: $day) {
  lines { description months amount { amount } campaign } total { amount } } }"""
REFUND_FIELDS = """refund { id status amount { amount } returned { voucher { amount } gift { amount } income { amount }
  cash { amount } } order { id kind status } } errors { code field message }"""
CANCEL = (
    f"""mutation($o: ID!, $k: String!) {{ cancelRenewal(orderId: $o, idempotencyKey: $k) {{ {REFUND_FIELDS} }} }}"""
)
REQUEST_REFUND = f"""mutation($o: ID!, $k: String!) {{ requestRefund(orderId: $o, idempotencyKey: $k) {{
  {REFUND_FIELDS} }} }}"""
RENEW_ANY = f"mutation($input: RenewInput!) {{ renewPackage(input: $input) {{ {ORDER_FIELDS} }} }}"


async def customer(client, cash="100000.00", name="Renewals Co") -> tuple[str, str]:
    account_id, token = await new_account(client, name=name)
    if cash is not None:
        await credit(client, account_id, cash)
    return account_id, token


async def bought_apps(client, token, n: int, edition="BASIC", months=1) -> list[int]:
    apps = []
    for i in range(n):
        app = await new_app(client, token, f"app {i}")
        result = await purchase(client, token, app, edition, months)
        assert result["errors"] == [], result
        apps.append(app)
    return apps


async def set_flag(client, token, app, flag, months=None) -> dict:
    variables = {"app": app, "flag": flag}
    if months is not None:
        variables["months"] = months
    return data(await gql(client, SET_FLAG, variables, token))["setRenewFlag"]


async def renewals(client, token, filter=None, first=None, after=None) -> dict:
    variables = {"filter": filter, "after": after}
    if first is not None:
        variables["first"] = first
    return await gql(client, RENEWALS, variables, token)


def nodes(result: dict) -> list[dict]:
    return [e["node"] for e in data(result)["renewals"]["edges"]]


async def renew_batch(client, token, items, vouchers=None, idem=None) -> dict:
    variables = {"input": {"items": items, "voucherIds": vouchers, "idempotencyKey": idem or key()}}
    return data(await gql(client, RENEW_BATCH, variables, token))["renewPackages"]


async def align(client, token, apps, day, idem=None) -> dict:
    variables = {"input": {"sdkAppIds": apps, "day": day, "idempotencyKey": idem or key()}}
    return data(await gql(client, ALIGN, variables, token))["alignExpiry"]


async def align_quote(client, token, apps, day) -> dict:
    return await gql(client, ALIGN_QUOTE, {"apps": apps, "day": day}, token)


async def cancel(client, token, order_id, idem=None) -> dict:
    return data(await gql(client, CANCEL, {"o": order_id, "k": idem or key()}, token))["cancelRenewal"]


async def request_refund(client, token, order_id) -> dict:
    return data(await gql(client, REQUEST_REFUND, {"o": order_id, "k": key()}, token))["requestRefund"]


def amounts(order: dict) -> tuple:
    p = order["paid"]
    return (
        order["amount"]["amount"],
        p["voucher"]["amount"],
        p["gift"]["amount"],
        p["income"]["amount"],
        p["cash"]["amount"],
    )
