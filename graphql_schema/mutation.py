"""One place that turns a domain refusal into the payload's `errors` (Saleor's BaseMutation idea).

A mutation declared with `@payload_mutation` lets `DomainError` propagate from its body: the
field extension below catches it and answers the field's own payload type with `errors` filled
and every other field at its default. Access failures (`ApiError`: UNAUTHENTICATED, FORBIDDEN)
are not domain refusals and stay top-level GraphQL errors, as the contract says.
"""
import functools
from collections.abc import Callable
from typing import Any, cast

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types.base import StrawberryList, StrawberryOptional
from strawberry.types.field import StrawberryField

from app.domain.errors import DomainError
from graphql_schema.errors import user_errors


class DomainErrorsToPayload(FieldExtension):
    def apply(self, field: StrawberryField) -> None:
        payload = field.type
        while isinstance(payload, (StrawberryOptional, StrawberryList)):
            payload = payload.of_type
        # The field's payload type: a @strawberry.type class, built here with only `errors`.
        self.payload = cast(Callable[..., object], payload)

    async def resolve_async(self, next_, source: Any, info, **kwargs: Any) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except DomainError as error:
            return self.payload(errors=user_errors(error))


def payload_mutation(resolver=None, **options):
    """`@strawberry.mutation`, with domain refusals answered as payload errors."""
    options["extensions"] = [*options.get("extensions", []), DomainErrorsToPayload()]
    if resolver is None:
        return functools.partial(strawberry.mutation, **options)
    return strawberry.mutation(resolver, **options)
