"""Token resolution without a database round trip (H-1, hot path).

A token row never changes once issued (role, account, scopes are fixed; an account's owner and type
are fixed at creation, A-1), and no token is ever revoked (the contract has no revocation), so a
resolved caller can be kept in process memory for as long as the process lives. Only successful
resolutions are kept: a token issued through another process a moment ago must work here at once,
so an unknown token is looked up again every time.

If revocation is added: bump a Redis counter on revoke and compare it here (one GET per request),
or keep the LRU and check a revocation set; see docs/scaling.md.
"""

import hashlib
import secrets
from collections import OrderedDict

from app.domain.accounts import service as accounts
from app.domain.accounts.caller import Caller

MAX_ENTRIES = 50_000
OPERATOR = Caller(role="OPERATOR")
_callers: OrderedDict[str, Caller] = OrderedDict()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def cached(token: str, operator_token: str | None) -> Caller | None:
    """The caller of a token already resolved by this process, without any I/O."""
    if operator_token and secrets.compare_digest(token, operator_token):
        return OPERATOR
    return _callers.get(_digest(token))


async def authenticate(token: str, operator_token: str | None) -> Caller | None:
    # The operator token is configuration, not a row: compared every time, never kept.
    if operator_token and secrets.compare_digest(token, operator_token):
        return OPERATOR
    digest = _digest(token)
    caller = _callers.get(digest)
    if caller is not None:
        _callers.move_to_end(digest)
        return caller
    caller = await accounts.authenticate(token, operator_token)
    if caller is not None:
        _callers[digest] = caller
        if len(_callers) > MAX_ENTRIES:
            _callers.popitem(last=False)
    return caller


def clear() -> None:
    _callers.clear()
