"""Setting up scenarios through the public API, the way clients do."""

from tests.conftest import OPERATOR
from tests.gql import data, gql

CREATE_ACCOUNT = """
mutation($input: CreateAccountInput!) {
  createAccount(input: $input) { account { id type } token errors { code field message } }
}"""
CREATE_APP = "mutation($name: String!) { createApplication(name: $name) { application { sdkAppId } errors { code } } }"
ISSUE_TOKEN = """
mutation($role: Role!, $accountId: ID, $scopes: [String!]) {
  issueToken(role: $role, accountId: $accountId, scopes: $scopes) { token errors { code field } }
}"""


async def new_account(client, name="Acme", type="OWNER", owner_id=None, verified=True) -> tuple[str, str]:
    """(account id, CUSTOMER token)"""
    variables = {"input": {"name": name, "type": type, "ownerId": owner_id, "realNameVerified": verified}}
    payload = data(await gql(client, CREATE_ACCOUNT, variables, OPERATOR))["createAccount"]
    assert payload["errors"] == [], payload
    return payload["account"]["id"], payload["token"]


async def new_app(client, token, name="Room app") -> int:
    payload = data(await gql(client, CREATE_APP, {"name": name}, token))["createApplication"]
    assert payload["errors"] == [], payload
    return payload["application"]["sdkAppId"]


async def issue_token(client, role, account_id=None, scopes=None) -> str:
    payload = data(await gql(client, ISSUE_TOKEN, {"role": role, "accountId": account_id, "scopes": scopes}, OPERATOR))[
        "issueToken"
    ]
    assert payload["errors"] == [], payload
    return payload["token"]
