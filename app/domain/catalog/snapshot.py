"""The catalog rows prices are computed from, read once per catalog version (K-1, K-3, K-4).

A purchase used to read its edition, the edition's components, their price changes (twice: in
effect, and the next one) and the campaigns: five statements for rows that change a few times a
year. They are one immutable snapshot per process instead, reloaded when `catalog_version.v`
moves. A statement-level trigger on every catalog table bumps that counter inside the writing
transaction (migration 0009), so the snapshot is valid exactly while the counter is unchanged,
whoever wrote the catalog. The counter is read once per transaction (one statement), before the
rows, so a snapshot is never older than its version; scheduled price changes and campaign
windows are data in it, applied by instant as before.

The rows are shared by every request of the process: read them, never modify or save them
(editing code loads its own rows `select_for_update`).
"""

from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from tortoise import connections

from app.domain import tx
from app.domain.catalog.models import Campaign, Component, Edition, PriceChange


@dataclass(frozen=True)
class Snapshot:
    version: int
    editions: tuple[Edition, ...]  # by position, with rtc_component and im_component loaded
    components: dict[str, Component]
    # {component: ((effective_at, id, price_fen), …)}: non-cancelled changes, latest first (the
    # later-created one first when two share an instant)
    changes: dict[str, tuple[tuple[datetime, int, int], ...]]
    campaigns: tuple[Campaign, ...]  # by code

    def edition(self, code: str) -> Edition | None:
        return next((e for e in self.editions if e.code == code), None)

    def included_minutes(self, code: str) -> int | None:
        """M-2: the RTC minutes an edition includes per package month."""
        edition = self.edition(code)
        if edition is None:
            raise LookupError(f"edition {code} is not in the catalog")
        return edition.included_minutes

    def monthly_prices_fen(self, codes: set[str], at: datetime) -> tuple[dict[str, int], datetime | None]:
        """({code: monthly price in fen in effect at `at`} for the codes that exist, the instant
        of the next scheduled change of any of them)."""
        prices: dict[str, int] = {}
        upcoming: datetime | None = None
        for code in codes:
            component = self.components.get(code)
            if component is None:
                continue
            price = component.monthly_price_fen
            for effective_at, _, price_fen in self.changes.get(code, ()):
                if effective_at <= at:
                    price = price_fen
                    break
                if upcoming is None or effective_at < upcoming:
                    upcoming = effective_at
            prices[code] = price
        return prices, upcoming


VERSION = "SELECT v FROM catalog_version WHERE id = 1"
_latest: Snapshot | None = None
# The snapshot a transaction has read: one version check per transaction, one catalog per command.
_pinned: ContextVar[tuple[object, Snapshot] | None] = ContextVar("catalog_snapshot", default=None)
# A transaction that wrote the catalog reads its own uncommitted rows, which may yet roll back:
# what it reads afterwards is loaded for it alone, never kept for the process.
_writer: ContextVar[object | None] = ContextVar("catalog_writer", default=None)


def written() -> None:
    """The running transaction changed catalog rows (called by the audit of every change, K-4)."""
    _writer.set(tx.scope())
    _pinned.set(None)


async def current() -> Snapshot:
    global _latest
    scope = tx.scope()
    if scope is not None:
        if _writer.get() is scope:
            rows = await connections.get("default").execute_query_dict(VERSION)
            return await _load(int(rows[0]["v"]))
        pinned = _pinned.get()
        if pinned is not None and pinned[0] is scope:
            return pinned[1]
    rows = await connections.get("default").execute_query_dict(VERSION)
    version = int(rows[0]["v"])
    snapshot = _latest
    if snapshot is None or snapshot.version != version:
        snapshot = _latest = await _load(version)
    if scope is not None:
        _pinned.set((scope, snapshot))
    return snapshot


async def _load(version: int) -> Snapshot:
    changes: dict[str, list[tuple[datetime, int, int]]] = {}
    rows = await (
        PriceChange.filter(cancelled=False)
        .order_by("component_id", "-effective_at", "-id")
        .values_list("component_id", "effective_at", "id", "price_fen")
    )
    for component_id, effective_at, change_id, price_fen in rows:
        changes.setdefault(component_id, []).append((effective_at, change_id, price_fen))
    return Snapshot(
        version=version,
        editions=tuple(await Edition.all().order_by("position").select_related("rtc_component", "im_component")),
        components={c.code: c for c in await Component.all()},
        changes={code: tuple(found) for code, found in changes.items()},
        campaigns=tuple(await Campaign.all().order_by("code")),
    )
