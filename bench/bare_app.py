"""The bare-stack anchor: Strawberry on the same library versions, nothing of ours.

`{ hello }` and a no-DB 4×30 feature matrix (4 editions, 30 rows of one value per edition, the
contract's FeatureMatrix shape), ParserCache + ValidationCache on, served by one uvicorn worker
with uvloop + httptools (bench/stack.py starts it):

    uvicorn bench.bare_app:app --loop uvloop --http httptools --workers 1 --no-access-log
"""
import strawberry
from strawberry.asgi import GraphQL
from strawberry.extensions import ParserCache, ValidationCache


@strawberry.type
class Money:
    amount: str
    currency: str


@strawberry.type
class Feature:
    code: str
    group: str
    name: str


@strawberry.type
class EditionFeature:
    feature: Feature
    included: bool
    value: str | None


@strawberry.type
class Edition:
    code: str
    name: str
    list_price: Money
    current_price: Money
    max_participants: int


@strawberry.type
class Row:
    feature: Feature
    values: list[EditionFeature]


@strawberry.type
class Matrix:
    editions: list[Edition]
    rows: list[Row]


EDITIONS = [Edition(code=c, name=f"Edition {c}", list_price=Money(amount="2999.00", currency="CNY"),
                    current_price=Money(amount="1653.26", currency="CNY"), max_participants=50)
            for c in ("TRIAL", "BASIC", "ADVANCED", "LARGE_ROOM")]
FEATURES = [Feature(code=f"FEATURE_{i}", group="ROOM", name=f"Feature {i}") for i in range(30)]
ROWS = [Row(feature=f, values=[EditionFeature(feature=f, included=i % 3 != 0, value=None) for i in range(4)])
        for f in FEATURES]


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
MATRIX = """{ matrix { editions { code name listPrice { amount currency } currentPrice { amount currency }
  maxParticipants } rows { feature { code group name } values { feature { code } included value } } } }"""
