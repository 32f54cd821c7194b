"""Accounts, tokens and applications (A-1, H-1, H-2, P-1)."""

import hashlib
import secrets
from datetime import datetime

from app.domain import locks
from app.domain.accounts.caller import PARTNER_SCOPES, ROLES, Caller
from app.domain.accounts.models import Account, ApiToken, Application
from app.domain.codes import ErrorCode
from app.domain.errors import DomainError, NotFound
from app.domain.events import service as events
from app.domain.inputs import clean_text
from app.domain.tx import atomic

ACCOUNT_TYPES = ("OWNER", "SUB_USER", "COLLABORATOR")
MAX_NAME = 200


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_name(name: str, field: str = "name") -> str:
    name = clean_text(name or "", field, max_len=None).strip()
    if not name:
        raise DomainError(ErrorCode.INVALID_NAME, "name must not be empty", field)
    if len(name) > MAX_NAME:
        raise DomainError(ErrorCode.INVALID_NAME, f"name is longer than {MAX_NAME} characters", field)
    return name


async def _new_token(role: str, account_id: int | None, scopes: list[str], now: datetime) -> str:
    token = f"rk_{role.lower()}_{secrets.token_urlsafe(32)}"
    await ApiToken.create(token_hash=hash_token(token), role=role, account_id=account_id, scopes=scopes, created_at=now)
    return token


async def create_account(
    *, name: str, type: str, owner_id: int | None, real_name_verified: bool, now: datetime
) -> tuple[Account, str]:
    name = check_name(name)
    if type not in ACCOUNT_TYPES:
        raise DomainError(ErrorCode.INVALID_ACCOUNT_TYPE, f"unknown account type {type}", "type")
    if type == "OWNER":
        if owner_id is not None:
            raise DomainError(ErrorCode.INVALID_OWNER, "an OWNER account has no owner", "ownerId")
    else:
        owner = await Account.get_or_none(id=owner_id) if owner_id is not None else None
        if owner is None or owner.type != "OWNER":
            raise DomainError(ErrorCode.INVALID_OWNER, "sub-users and collaborators need an OWNER account", "ownerId")
    account = await Account.create(
        name=name, type=type, owner_id=owner_id, real_name_verified=real_name_verified, created_at=now
    )
    token = await _new_token("CUSTOMER", account.id, [], now)
    return account, token


MAX_SCOPES = 1000


async def issue_token(*, account_id: int | None, role: str, scopes: list[str] | None, now: datetime) -> str:
    if scopes is not None and len(scopes) > MAX_SCOPES:  # before sorting an arbitrarily long list
        raise DomainError(ErrorCode.LIST_TOO_LONG, f"at most {MAX_SCOPES} scopes", "scopes")
    if role not in ROLES:
        raise DomainError(ErrorCode.INVALID_ROLE, f"unknown role {role}", "role")
    scopes = sorted(set(scopes or []))
    if role in ("CUSTOMER", "PARTNER"):
        if account_id is None or await Account.get_or_none(id=account_id) is None:
            raise NotFound("account", "accountId")
    elif account_id is not None:
        raise DomainError(ErrorCode.INVALID_ROLE, f"a {role} token belongs to no account", "accountId")
    if role == "PARTNER":
        unknown = [s for s in scopes if s not in PARTNER_SCOPES]
        if unknown:
            raise DomainError(ErrorCode.INVALID_SCOPE, f"unknown scopes: {', '.join(unknown)}", "scopes")
    elif scopes:
        raise DomainError(ErrorCode.INVALID_SCOPE, "only PARTNER tokens carry scopes", "scopes")
    return await _new_token(role, account_id, scopes, now)


async def authenticate(token: str, operator_token: str | None) -> Caller | None:
    if operator_token and secrets.compare_digest(token, operator_token):
        return Caller(role="OPERATOR")
    row = await ApiToken.get_or_none(token_hash=hash_token(token)).select_related("account")
    if row is None:
        return None
    if row.account is None:
        return Caller(role=row.role)
    account = row.account
    return Caller(
        role=row.role,
        account_id=account.payer_id,
        actor_account_id=account.id,
        actor_type=account.type,
        scopes=frozenset(row.scopes or []),
    )


async def get_account(account_id: int) -> Account:
    account = await Account.get_or_none(id=account_id)
    if account is None:
        raise NotFound("account", "accountId")
    return account


async def set_real_name_verified(account_id: int, verified: bool, now: datetime) -> Account:
    row = await get_account(account_id)
    async with atomic():
        await locks.account(row.payer_id, now)  # the payer's lock covers its sub-users' rows (A-1)
        account = await get_account(account_id)
        account.real_name_verified = verified
        await account.save(update_fields=["real_name_verified"])
        await events.record("REAL_NAME_CHANGED", account_id=account.payer_id, at=now, data={"verified": verified})
    return account


async def create_application(account_id: int, name: str, now: datetime) -> Application:
    name = check_name(name)
    async with atomic():
        # Under the account lock, so a suspension or ban cannot slip between the check and the insert.
        account = await locks.account(account_id, now)  # caught up: an overdue suspension applies first (C-1)
        if account.status == "BANNED":
            raise DomainError(ErrorCode.ACCOUNT_BANNED, "the account is banned")
        status = "SUSPENDED" if account.status == "SUSPENDED" else "ACTIVE"  # S-3: every app stops
        app = await Application.create(account_id=account_id, name=name, status=status, created_at=now)
        await events.record(
            "APPLICATION_CREATED", account_id=account_id, sdk_app_id=app.sdk_app_id, at=now, data={"name": name}
        )
    return app


async def get_application(caller: Caller, sdk_app_id: int) -> Application:
    """H-2: an app of another account is reported exactly like one that does not exist."""
    app = await Application.get_or_none(sdk_app_id=sdk_app_id)
    if app is None or (not caller.is_operator and caller.role != "SERVICE" and app.account_id != caller.account_id):
        raise NotFound("application", "sdkAppId")
    return app


async def list_applications(account_id: int) -> list[Application]:
    return await Application.filter(account_id=account_id).order_by("sdk_app_id")
