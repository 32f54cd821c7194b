"""One place that turns a domain refusal into the payload's `errors` (Saleor's BaseMutation idea).

A mutation declared with `@payload_mutation` lets `DomainError` propagate from its body: the
field extension below catches it and answers the field's own payload type with `errors` filled
and every other field at its default. A payload whose other fields are required by the contract
(ClockPayload.now, UsagePayload.accepted…) says how it answers a refusal with an async classmethod
`refused(error)`. Access failures stay top-level GraphQL errors, as the contract says: `ApiError`
(UNAUTHENTICATED, FORBIDDEN) passes through, and the domain's own `Forbidden` becomes one.
"""

import functools
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField

from app.domain.errors import DomainError, Forbidden
from graphql_schema.errors import ApiError, user_errors


class DomainErrorsToPayload(FieldExtension):
    def apply(self, field: StrawberryField) -> None:
        payload = field.type
        while isinstance(payload, (StrawberryOptional, StrawberryList)):
            payload = payload.of_type
        if not callable(payload):
            raise TypeError(f"{field.python_name}: a payload mutation must answer an object type")
        self.payload: Any = payload
        self.refused: Callable[[DomainError], Awaitable[Any]] | None = getattr(payload, "refused", None)

    # Positional-only, unlike the base class: a mutation may have an argument named `source`
    # (creditAccount), which strawberry passes among **kwargs next to the positional source.
    async def resolve_async(  # type: ignore[override]
        self, next_: Callable[..., Awaitable[Any]], root: Any, info: Info, /, **kwargs: Any
    ) -> Any:
        try:
            return await next_(root, info, **kwargs)
        except Forbidden as error:
            raise ApiError(error.code, error.message) from error
        except DomainError as error:
            if self.refused is not None:
                return await self.refused(error)
            return self.payload(errors=user_errors(error))


def payload_mutation(resolver: Any = None, **options: Any) -> Any:
    """`@strawberry.mutation`, with domain refusals answered as payload errors."""
    options["extensions"] = [*options.get("extensions", []), DomainErrorsToPayload()]
    if resolver is None:
        return functools.partial(strawberry.mutation, **options)
    return strawberry.mutation(resolver, **options)
