"""R-7 `renewalPrice` through one per-request DataLoader: a page of packages reads prices once."""

import strawberry
from strawberry.dataloader import DataLoader

from app import clock
from app.domain.renewals import listing
from graphql_schema.scalars import Money, money


async def _load(code_sets: list[tuple[str, ...]]) -> list[int]:
    return await listing.renewal_prices_fen(code_sets, await clock.now())


async def renewal_price_of(info: strawberry.Info, codes: tuple[str, ...]) -> Money | None:
    if not codes:
        return None
    loader = info.context.loader("renewal_price", lambda: DataLoader(load_fn=_load))
    return money(await loader.load(codes))
