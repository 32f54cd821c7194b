"""The bare-stack anchor: Strawberry on the same library versions, nothing of ours.

`{ hello }` and a no-DB 4×30 feature matrix (4 editions, 30 rows of one Boolean per edition: the
lightest matrix, as the issue's anchor — 1,572 req/s beside 5,158 for `{ hello }`), ParserCache + ValidationCache on, served by one uvicorn worker
with uvloop + httptools (bench/stack.py starts it):

    uvicorn bench.bare_app:app --loop uvloop --http httptools --workers 1 --no-access-log
"""

import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Edition:
    code: str
    name: str


@strawberry.type
class Row:
    code: str
    name: str
    values: list[bool]  # one per edition


@strawberry.type
class Matrix:
    editions: list[Edition]
    rows: list[Row]


EDITIONS = [Edition(code=c, name=f"Edition {c}") for c in ("TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM")]
ROWS = [Row(code=f"FEATURE_{i}", name=f"Feature {i}", values=[(i + e) % 3 != 0 for e in range(4)]) for i in range(30)]


@strawberry.type
class Query:
    @strawberry.field
    def hello(self) -> str:
        return "world"

    @strawberry.field
    async def matrix(self) -> Matrix:
        return Matrix(editions=EDITIONS, rows=ROWS)


schema = strawberry.Schema(query=Query, extensions=[ParserCache(maxsize=256), ValidationCache(maxsize=256)])
app = GraphQL(schema, graphql_ide=None)

HELLO = "{ hello }"
MATRIX = "{ matrix { editions { code name } rows { code name values } } }"
