import strawberry
from strawberry.types import Info

from app import clock
from app.domain.accounts import service as accounts
from app.domain.catalog import service as catalog
from graphql_schema.catalog.types import (
    Edition,
    EditionCode,
    FeatureMatrix,
    FeatureMatrixRow,
    Quote,
    edition_feature_of,
    edition_of,
    feature_of,
    quote_of,
)
from graphql_schema.query import domain_field


async def _editions() -> list[Edition]:
    views = await catalog.editions(await clock.now())
    cells = await catalog.edition_features([v.edition.code for v in views])
    return [edition_of(v, cells[v.edition.code]) for v in views]


@strawberry.type
class CatalogQuery:
    @strawberry.field(description="The four editions with prices, quotas and features (SPEC §1).")
    async def editions(self) -> list[Edition]:
        return await _editions()

    @strawberry.field
    async def edition(self, code: EditionCode) -> Edition | None:
        view = await catalog.edition(code.value, await clock.now())
        if view is None:
            return None
        cells = await catalog.edition_features([code.value])
        return edition_of(view, cells[code.value])

    @strawberry.field(description="One row per feature, one value per edition in `editions` order.")
    async def feature_matrix(self) -> FeatureMatrix:
        views = await catalog.editions(await clock.now())
        codes = [v.edition.code for v in views]
        cells = await catalog.edition_features(codes)
        editions = [edition_of(v, cells[v.edition.code]) for v in views]
        by_feature: dict[str, dict[str, object]] = {}
        for code in codes:
            for cell in cells[code]:
                by_feature.setdefault(cell.feature_id, {})[code] = cell
        rows = [
            FeatureMatrixRow(
                feature=feature_of(f),
                values=[edition_feature_of(by_feature[f.code][code]) for code in codes],
            )
            for f in await catalog.features()
            if f.code in by_feature
        ]
        return FeatureMatrix(editions=editions, rows=rows)

    @domain_field(description="B-4: what purchasePackage would charge; with a token the caller's campaigns apply.")
    async def quote(self, info: Info, edition: EditionCode, months: int, sdk_app_id: int | None = None) -> Quote:
        caller = info.context.caller
        at = await clock.now()  # K-1, K-3: prices and campaigns in effect at the quote's instant
        view = await catalog.purchasable_edition(edition.value, at)
        if caller is not None and caller.account_id is not None and sdk_app_id is not None:
            await accounts.get_application(caller, sdk_app_id)
        lines = await catalog.quote_for(caller, view, months, at)
        return quote_of(lines)
