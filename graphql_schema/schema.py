"""The schema: every domain's queries and mutations merged, with the H-3 abuse limits."""

import strawberry
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.tools import merge_types

from graphql_schema import coercion
from graphql_schema.accounts.funding import FundingMutation
from graphql_schema.accounts.mutations import AccountsMutation
from graphql_schema.accounts.queries import AccountsQuery
from graphql_schema.catalog.management import CatalogManagementMutation, CatalogManagementQuery
from graphql_schema.catalog.queries import CatalogQuery
from graphql_schema.console.queries import ConsoleQuery
from graphql_schema.entitlements.queries import EntitlementsQuery
from graphql_schema.events.queries import EventsQuery
from graphql_schema.events.subscriptions import EventsSubscription
from graphql_schema.execution import LeanSchema
from graphql_schema.orders.queries import OrdersQuery
from graphql_schema.pipeline import RequestPipeline
from graphql_schema.scalars import SCALARS
from graphql_schema.packages.mutations import PackagesMutation
from graphql_schema.packages.upgrade import UpgradeMutation, UpgradeQuery
from graphql_schema.refunds.mutations import RefundsMutation
from graphql_schema.refunds.queries import RefundsQuery
from graphql_schema.renewals.mutations import RenewalsMutation
from graphql_schema.renewals.queries import RenewalsQuery
from graphql_schema.system.mutations import SystemMutation
from graphql_schema.system.queries import SystemQuery
from graphql_schema.usage.mutations import UsageMutation
from graphql_schema.webhooks.mutations import WebhooksMutation
from graphql_schema.webhooks.queries import WebhooksQuery
from graphql_schema.usage.queries import UsageQuery

MAX_DEPTH = 10
MAX_ALIASES = 15
MAX_TOKENS = 2000

Query = merge_types(
    "Query",
    (
        CatalogQuery,
        AccountsQuery,
        OrdersQuery,
        EventsQuery,
        EntitlementsQuery,
        SystemQuery,
        UpgradeQuery,
        RefundsQuery,
        WebhooksQuery,
        CatalogManagementQuery,
        RenewalsQuery,
        ConsoleQuery,
        UsageQuery,
    ),
)
Mutation = merge_types(
    "Mutation",
    (
        AccountsMutation,
        PackagesMutation,
        FundingMutation,
        UsageMutation,
        SystemMutation,
        UpgradeMutation,
        RefundsMutation,
        WebhooksMutation,
        CatalogManagementMutation,
        RenewalsMutation,
    ),
)


# Built once: the validator classes are part of the validation cache's key, so limiters created per
# request would make every request re-validate from scratch.
LIMIT_RULES = (
    *QueryDepthLimiter(max_depth=MAX_DEPTH).validation_rules,
    *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
)


def build_schema() -> strawberry.Schema:
    # LeanSchema: strawberry's execute with RequestPipeline's hooks called directly (execution.py)
    return LeanSchema(
        query=Query,
        mutation=Mutation,
        subscription=merge_types("Subscription", (EventsSubscription,)),
        config=StrawberryConfig(relay_max_results=100, scalar_map=SCALARS),
        extensions=[
            # Parse and validation caches; H-3 token, depth and alias limits, typed input errors and masking; H-4 metering;
            # O-1/O-2 operation, caller and outcome: graphql_schema/pipeline.py
            lambda: RequestPipeline(max_tokens=MAX_TOKENS, extra_rules=LIMIT_RULES),
        ],
    )


# Request variables are coerced by per-type closures (graphql_schema/coercion.py): same values,
# a fraction of the CPU on a 1,000-event recordUsage batch.
coercion.install()
schema = build_schema()
