"""Hot-path statements in fixed SQL, answered as the same model objects the ORM builds.

Tortoise builds every query through pypika on every call: on a purchase, about a quarter of the
API's CPU went to building SQL text that never changes. The few statements every order-placing
command sends (the lock reads, the idempotency record) are written here once; their rows become
model instances through Tortoise's own row constructor, so the objects are indistinguishable
from an ORM read (saved, not partial, fields converted by the fields' own rules). They run on
the current connection — inside `atomic()`, the transaction's.
"""

from typing import Any, TypeVar

from tortoise import connections
from tortoise.models import Model

M = TypeVar("M", bound=Model)


async def fetch(model: type[M], sql: str, *params: Any) -> list[M]:
    rows = await connections.get("default").execute_query_dict(sql, list(params))
    return [model._init_from_db(**row) for row in rows]


async def fetch_one(model: type[M], sql: str, *params: Any) -> M | None:
    found = await fetch(model, sql, *params)
    return found[0] if found else None


async def exists(sql: str, *params: Any) -> bool:
    count, _ = await connections.get("default").execute_query(sql, list(params))
    return bool(count)


async def execute(sql: str, *params: Any) -> None:
    await connections.get("default").execute_query(sql, list(params))
