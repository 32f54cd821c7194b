"""The typed inputs of the money-moving commands (B-8), and the registry of them.

A command is a frozen dataclass; its class names the operation (`NAME`, the mutation clients know)
and its fields are the whole input that decides the outcome. `idempotency.once` hashes
`canonical()`, so no door lists the input a second time for the hash. Every subclass registers
itself in `COMMANDS`: that list is what "idempotent where B-8 says so" means, and the write-path
test checks the GraphQL schema and the timers against it.

`canonical()` is byte-for-byte the dict the GraphQL door used to hash (camelCase keys, lists for
tuples), so a key sent before this code shipped still replays instead of reading as reused.
"""

from collections.abc import Sized
from dataclasses import dataclass, fields
from datetime import datetime
from typing import ClassVar

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError

Json = None | bool | int | str | list["Json"] | dict[str, "Json"]
COMMANDS: dict[str, type["Command"]] = {}
MAX_VOUCHERS = 1000


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _plain(value: object) -> Json:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool | int | str) or value is None:
        return value
    raise TypeError(f"no canonical form for {type(value).__name__}")


def check_vouchers(voucher_ids: Sized) -> None:
    if len(voucher_ids) > MAX_VOUCHERS:
        raise DomainError(ErrorCode.LIST_TOO_LONG, f"at most {MAX_VOUCHERS} vouchers", "voucherIds")


@dataclass(frozen=True)
class Command:
    NAME: ClassVar[str]

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if cls.NAME in COMMANDS:
            raise TypeError(f"two commands named {cls.NAME}")
        COMMANDS[cls.NAME] = cls

    def canonical(self) -> dict[str, Json]:
        """Field name in camelCase → plain JSON value: what the idempotency hash is taken of."""
        return {_camel(f.name): _plain(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class PurchasePackage(Command):
    NAME = "purchasePackage"
    sdk_app_id: int
    edition: str
    months: int
    auto_renew: bool
    accept_agreements: bool
    voucher_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_vouchers(self.voucher_ids)


@dataclass(frozen=True)
class RenewPackage(Command):
    NAME = "renewPackage"
    sdk_app_id: int
    months: int
    scope: str = "FULL"  # the door fills the default, so FULL and no scope hash alike
    voucher_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_vouchers(self.voucher_ids)


@dataclass(frozen=True)
class UpgradePackage(Command):
    NAME = "upgradePackage"
    sdk_app_id: int
    target_edition: str


@dataclass(frozen=True)
class RenewItem:
    sdk_app_id: int
    months: int
    scope: str = "FULL"


@dataclass(frozen=True)
class RenewPackages(Command):
    NAME = "renewPackages"
    items: tuple[RenewItem, ...]
    voucher_ids: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        check_vouchers(self.voucher_ids)

    def canonical(self) -> dict[str, Json]:
        items: list[Json] = [[i.sdk_app_id, i.months, i.scope] for i in self.items]
        return {"items": items, "voucherIds": _plain(self.voucher_ids)}


@dataclass(frozen=True)
class AlignExpiry(Command):
    NAME = "alignExpiry"
    sdk_app_ids: tuple[int, ...]
    day: int


@dataclass(frozen=True)
class CancelRenewal(Command):
    NAME = "cancelRenewal"
    order_id: int


@dataclass(frozen=True)
class RequestRefund(Command):
    NAME = "requestRefund"
    order_id: int


@dataclass(frozen=True)
class CreditAccount(Command):
    NAME = "creditAccount"
    account_id: int
    amount_fen: int
    source: str

    def canonical(self) -> dict[str, Json]:
        # The source is matched case-insensitively (funding.SOURCES), so "Cash" and "cash" are one input.
        return {"accountId": self.account_id, "amount": self.amount_fen, "source": (self.source or "").lower()}


@dataclass(frozen=True)
class TopUp(Command):
    NAME = "topUp"
    account_id: int
    amount_fen: int

    def canonical(self) -> dict[str, Json]:
        return {"accountId": self.account_id, "amount": self.amount_fen, "source": "cash"}


@dataclass(frozen=True)
class AutoRenewal(Command):
    """Internal (R-2): one charge per (package, period); its key lives in the account's negated space."""

    NAME = "autoRenewal"
    package_id: int
    due: datetime

    def canonical(self) -> dict[str, Json]:
        return {"package": self.package_id, "due": self.due.isoformat()}
