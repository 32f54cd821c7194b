"""A query field whose domain refusals are top-level GraphQL errors with their code.

Query types have no `errors` list, so a `DomainError` raised by the body (a foreign app is
NOT_FOUND, an impossible filter INVALID_FILTER…) becomes `extensions.code` of a GraphQL error:
`from_domain`, written once instead of a `try/except` in every resolver.
"""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from app.domain.errors import DomainError
from graphql_schema.errors import from_domain


class DomainErrorsToGraphQL(FieldExtension):
    # Positional-only, like DomainErrorsToPayload: an argument may be named `source`.
    async def resolve_async(  # type: ignore[override]
        self, next_: Callable[..., Awaitable[Any]], root: Any, info: Info, /, **kwargs: Any
    ) -> Any:
        try:
            return await next_(root, info, **kwargs)
        except DomainError as error:
            raise from_domain(error) from error


def domain_field(resolver: Any = None, **options: Any) -> Any:
    """`@strawberry.field`, with domain refusals answered as coded GraphQL errors."""
    options["extensions"] = [*options.get("extensions", []), DomainErrorsToGraphQL()]
    if resolver is None:
        return lambda f: strawberry.field(f, **options)
    return strawberry.field(resolver, **options)
