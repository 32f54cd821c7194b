"""Our steps of every GraphQL operation, as one schema extension.

Strawberry wraps each hook of each extension in a fresh context manager on every request; as
five extensions (token limit, typed input errors, query cost, request observer, error masking)
they cost about a fifth of an authenticated no-op. One extension with one hook per phase runs
the same steps, in the same order, from the modules that hold them:

- operation, before: H-3 token limit (parse option), the typed literal rule and the depth and
  alias limiters (input_errors.validation_rules); then the document is parsed and validated
  through process-wide LRU caches and handed to strawberry, which skips its own parse and
  validation when the execution context already holds a document and its errors;
- execute, before: H-4 metering (cost.meter), which may answer instead of the resolvers;
- execute, after: the outcome, read while errors still carry their original exception;
- operation, after: masking of unexpected errors (input_errors.mask_unexpected), the request
  log fields (observe.record), then codes on coercion errors (input_errors.add_codes).
This replaces strawberry's ParserCache and ValidationCache extensions (the same LRU caches over
the same functions): as extensions they cost two more hook wrappers per phase per request. A
document that does not parse is left to strawberry's own parse, which reports the syntax error.
"""

from collections.abc import AsyncIterator, Iterator
from functools import lru_cache
from typing import Any

from graphql import GraphQLError, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from app import rate_limit
from graphql_schema import cost, input_errors, observe


CACHE_SIZE = 512
_parse = lru_cache(maxsize=CACHE_SIZE)(parse)
_validate = lru_cache(maxsize=CACHE_SIZE)(validate_document)


def _prepare(ec: Any) -> None:
    """Parse and validate from the caches (keys: the text and options; the schema, document and
    rules). Documents handed in (persisted queries) and unparsable texts are left to strawberry."""
    if ec.graphql_document is None and ec.query:
        try:
            ec.graphql_document = _parse(ec.query, **ec.parse_options)
        except Exception:  # noqa: BLE001 - strawberry's parse answers it (GraphQLError or wrapped)
            return
    if ec.graphql_document is not None and ec.pre_execution_errors is None and ec.validation_rules:
        ec.pre_execution_errors = _validate(ec.schema._schema, ec.graphql_document, ec.validation_rules)


class RequestPipeline(SchemaExtension):
    def __init__(self, *, max_tokens: int, extra_rules: tuple = ()) -> None:
        self.max_tokens = max_tokens
        self.extra_rules = extra_rules
        self.throttle: rate_limit.Throttle | None = None
        self.outcome: str | None = None

    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        ec.parse_options["max_tokens"] = self.max_tokens
        ec.validation_rules = input_errors.validation_rules(ec.validation_rules, self.extra_rules)
        _prepare(ec)
        thrown = None
        try:
            yield
        except GraphQLError as e:  # a syntax error is thrown through the hooks, then answered
            thrown = e
            raise
        finally:
            if thrown is None:
                input_errors.mask_unexpected(ec.result)
            observe.record(ec, self.outcome, thrown)
        input_errors.add_codes(ec.result)

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        self.throttle = await cost.meter(ec)
        yield
        self.outcome = observe.outcome_of(getattr(ec.result, "errors", None))

    def get_results(self) -> dict[str, Any]:
        return {"cost": self.throttle.as_extension()} if self.throttle is not None else {}
