"""One column of a query's rows, as a typed list."""

from typing import TypeVar, cast

from tortoise.models import Model
from tortoise.queryset import QuerySet

M = TypeVar("M", bound=Model)
T = TypeVar("T")


async def column(query: QuerySet[M], name: str, kind: type[T]) -> list[T]:
    """`query.values_list(name, flat=True)`. Tortoise's stubs type every `values_list` result as a
    list of tuples, flat or not; `kind` says what the flat column holds."""
    return cast(list[T], await query.values_list(name, flat=True))
