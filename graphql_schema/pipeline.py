"""Our steps of every GraphQL operation, as one schema extension.

Strawberry wraps each hook of each extension in a fresh context manager on every request; as
five extensions (token limit, typed input errors, query cost, request observer, error masking)
they cost about a fifth of an authenticated no-op. One extension with one hook per phase runs
the same steps, in the same order, from the modules that hold them:

- operation, before: H-3 token limit (parse option), the typed literal rule and the depth and
  alias limiters (input_errors.validation_rules);
- execute, before: H-4 metering (cost.meter), which may answer instead of the resolvers;
- execute, after: the outcome, read while errors still carry their original exception;
- operation, after: masking of unexpected errors (input_errors.mask_unexpected), the request
  log fields (observe.record), then codes on coercion errors (input_errors.add_codes).
ParserCache and ValidationCache stay the library's own extensions.
"""

from collections.abc import AsyncIterator, Iterator
from typing import Any

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from app import rate_limit
from graphql_schema import cost, input_errors, observe


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
