"""R-7 `renewals` and R-9 `alignExpiryQuote`."""

import base64
from datetime import datetime

import strawberry
from strawberry.types import Info

from app import clock
from app.domain.codes import ErrorCode
from app.domain.renewals import align, listing
from graphql_schema.catalog.types import Quote, quote_of
from graphql_schema.enums import RenewFlag
from graphql_schema.errors import ApiError
from graphql_schema.packages.types import PackageSubscription, package_of
from graphql_schema.pagination import PageInfo, check_first
from graphql_schema.permissions import acting_account, customer_side, customer_side_any
from graphql_schema.query import domain_field

QUOTE_SCOPES = ("orders:read", "packages:write")
CURSOR_KIND = "renewal"


@strawberry.input(description="R-7: the filters combine (all must hold).")
class RenewalFilter:
    expiring_within_days: int | None = None
    expired: bool | None = None
    flag: RenewFlag | None = None


@strawberry.type
class PackageEdge:
    node: PackageSubscription
    cursor: str


@strawberry.type
class PackageConnection:
    edges: list[PackageEdge]
    page_info: PageInfo


def encode_cursor(expires_at: datetime, sdk_app_id: int) -> str:
    micros = int(expires_at.timestamp()) * 1_000_000 + expires_at.microsecond
    return base64.urlsafe_b64encode(f"{CURSOR_KIND}:{micros}:{sdk_app_id}".encode()).decode()


def decode_cursor(cursor: str | None) -> listing.Cursor | None:
    if cursor is None:
        return None
    try:
        kind, micros, sdk_app_id = base64.urlsafe_b64decode(cursor.encode()).decode().split(":")
        if kind != CURSOR_KIND:
            raise ValueError
        seconds, micro = divmod(int(micros), 1_000_000)
        instant = datetime.fromtimestamp(seconds, tz=clock.wall_now().tzinfo).replace(microsecond=micro)
        return listing.Cursor(instant, int(sdk_app_id))
    except (ValueError, UnicodeDecodeError, OverflowError, OSError):
        raise ApiError(ErrorCode.BAD_USER_INPUT, "after is not a cursor of this list")


def filter_of(f: RenewalFilter | None) -> listing.Filter:
    if f is None:
        return listing.Filter()
    return listing.Filter(f.expiring_within_days, f.expired, f.flag.value if f.flag else None)


@strawberry.type
class RenewalsQuery:
    @domain_field(description="R-7: the account's paid packages (ACTIVE or EXPIRED) by expiry, then SDKAppID.")
    async def renewals(
        self,
        info: Info,
        filter: RenewalFilter | None = None,
        first: int | None = 20,
        after: str | None = None,
    ) -> PackageConnection:
        caller = customer_side(info, "account:read")
        first = check_first(20 if first is None else first)
        rows = await listing.page(
            acting_account(caller), filter_of(filter), first=first, after=decode_cursor(after), now=await clock.now()
        )
        edges = [
            PackageEdge(node=package_of(p), cursor=encode_cursor(p.expires_at, p.application_id)) for p in rows[:first]
        ]
        return PackageConnection(
            edges=edges,
            page_info=PageInfo(has_next_page=len(rows) > first, end_cursor=edges[-1].cursor if edges else None),
        )

    @domain_field(description="R-9: the lines alignExpiry would charge now, unpaid.")
    async def align_expiry_quote(self, info: Info, sdk_app_ids: list[int], day: int) -> Quote:
        caller = customer_side_any(info, *QUOTE_SCOPES)
        lines = await align.quote(caller, sdk_app_ids, day, await clock.now())
        return quote_of(lines)
