"""Money scenario helpers: funding, buying, and the ledger audit every money test ends with."""
from app.domain.ledger import audit
from tests.conftest import OPERATOR
from tests.gql import data, gql

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
    result = data(await gql(client, CREDIT, {"a": account_id, "amount": amount, "source": source,
                                             "key": idem or key()}, OPERATOR))["creditAccount"]
    assert result["errors"] == [], result
    return result


async def voucher(client, account_id, amount, expires="2030-01-01T00:00:00Z") -> str:
    result = data(await gql(client, GRANT, {"a": account_id, "amount": amount, "exp": expires}, OPERATOR))
    assert result["grantVoucher"]["errors"] == []
    return result["grantVoucher"]["voucher"]["id"]


async def purchase(client, token, app, edition="BASIC", months=1, idem=None, vouchers=None, agree=True,
                   auto_renew=False) -> dict:
    variables = {"input": {"sdkAppId": app, "edition": edition, "months": months, "acceptAgreements": agree,
                           "idempotencyKey": idem or key(), "voucherIds": vouchers, "autoRenew": auto_renew}}
    return data(await gql(client, PURCHASE, variables, token))["purchasePackage"]


async def renew(client, token, app, months=1, scope="FULL", idem=None, vouchers=None) -> dict:
    variables = {"input": {"sdkAppId": app, "months": months, "scope": scope, "idempotencyKey": idem or key(),
                           "voucherIds": vouchers}}
    return data(await gql(client, RENEW, variables, token))["renewPackage"]


async def balance(client, token) -> dict:
    b = data(await gql(client, BALANCE, token=token))["me"]["balance"]
    return {k: v["amount"] for k, v in b.items()}


async def assert_audit_clean() -> None:
    assert await audit.problems() == []
