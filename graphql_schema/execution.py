"""`Schema.execute` with our one extension's hooks called directly (issue 10, hot paths).

Strawberry runs every extension hook through its runner: per request four phase context
managers, each with an AsyncExitStack and a hook wrapper built by inspecting the extension's
class — most of what an authenticated `{ __typename }` cost beyond a bare Strawberry app. The
schema has exactly one extension, RequestPipeline (graphql_schema/pipeline.py), and no custom
directives, so this `execute` runs the same steps in the same order with the hooks called
directly:

  operation hook (before) → parse → operation type check → validation → execute hook (before)
  → graphql-core execution → execute hook (after) → operation hook (after) → the result with
  the extension's results,

and a pre-execution error (syntax, validation) is turned into the result inside the operation
hook, as strawberry does. The phases and error handling are strawberry 0.341's own
(`Schema.execute`, `_prepare_operation_async`, `_execute_operation`), written against its helpers;
the version is pinned (<0.342). With any other extension set the library's `execute` runs.
"""

from collections.abc import Iterable
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from graphql import ExecutionResult as GraphQLExecutionResult
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.execution import optimized_is_awaitable
from strawberry.schema._graphql_core import execution_context_class_kwargs
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.schema.schema import (
    DEFAULT_ALLOWED_OPERATION_TYPES,
    _coerce_error,
    _parse_operation_document,
    _run_validation,
)
from strawberry.types.execution import ExecutionContext, ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.await_maybe import await_maybe

from graphql_schema.observe import ObservedSchema
from graphql_schema.pipeline import RequestPipeline

_operation = contextmanager(RequestPipeline.on_operation)
_executing = asynccontextmanager(RequestPipeline.on_execute)


def _prepare(ec: ExecutionContext) -> PreExecutionError | None:
    """strawberry's `_prepare_operation_async` without the parse and validation hooks (we have
    none: the pipeline parses and validates through its caches in its operation hook)."""
    if not ec.query and ec.graphql_document is None:
        raise MissingQueryError
    try:
        _parse_operation_document(ec)
    except GraphQLError as error:
        ec.pre_execution_errors = [error]
        return PreExecutionError(data=None, errors=[error])
    except Exception as error:  # noqa: BLE001 - as strawberry: any parse failure is a GraphQL error
        wrapped = GraphQLError(str(error), original_error=error)
        ec.pre_execution_errors = [wrapped]
        return PreExecutionError(data=None, errors=[wrapped])
    try:
        operation_type = ec.operation_type
    except RuntimeError as error:
        raise CannotGetOperationTypeError(ec.operation_name) from error
    if operation_type not in ec.allowed_operations:
        raise InvalidOperationTypeError(operation_type)
    _run_validation(ec)
    if ec.pre_execution_errors:
        return PreExecutionError(data=None, errors=ec.pre_execution_errors)
    return None


class LeanSchema(ObservedSchema):
    def _lean_extension(self) -> RequestPipeline | None:
        if self.directives:
            return None
        extensions = self.get_extensions()
        if len(extensions) == 1 and type(extensions[0]) is RequestPipeline:
            return extensions[0]
        return None

    async def _finish(
        self, ec: ExecutionContext, result: Any, ext: RequestPipeline, *, skip_process_errors: bool = False
    ) -> ExecutionResult:
        """strawberry's `_handle_execution_result` for a non-incremental result."""
        if result.errors:
            ec.pre_execution_errors = result.errors
            if not skip_process_errors:
                self._process_errors(result.errors, ec)
        if isinstance(result, GraphQLExecutionResult):
            result = ExecutionResult(data=result.data, errors=result.errors)
        result.extensions = ext.get_results()
        ec.result = result
        return result

    async def execute(  # noqa: PLR0917 - strawberry's signature
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        ext = self._lean_extension()
        if ext is None or self.config.enable_experimental_incremental_execution:
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        ec = self._create_execution_context(
            query=query,
            allowed_operation_types=allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES,
            variable_values=variable_values,
            context_value=context_value,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
        )
        ext.execution_context = ec
        middleware_manager = self._get_middleware_manager([ext])
        execute_function = self._get_execute_function()
        custom_context_kwargs = self._get_custom_context_kwargs(operation_extensions)
        try:
            with _operation(ext):
                if errors := _prepare(ec):
                    return await self._finish(ec, errors, ext)
                assert ec.graphql_document is not None
                async with _executing(ext):
                    if not ec.result:
                        result = await await_maybe(
                            execute_function(
                                self._schema,
                                ec.graphql_document,
                                root_value=ec.root_value,
                                middleware=middleware_manager,
                                variable_values=ec.variables,
                                operation_name=ec.operation_name,
                                context_value=ec.context,
                                is_awaitable=optimized_is_awaitable,
                                **execution_context_class_kwargs(self.execution_context_class),
                                **custom_context_kwargs,
                            )
                        )
                        ec.result = result
                    else:
                        result = ec.result
                    if isinstance(result, GraphQLExecutionResult) and result.errors:
                        ec.pre_execution_errors = result.errors
                        self._process_errors(result.errors, ec)
        except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError):
            raise
        except Exception as exc:  # noqa: BLE001 - as strawberry: the error becomes the result
            return await self._finish(ec, PreExecutionError(data=None, errors=[_coerce_error(exc)]), ext)
        return await self._finish(ec, result, ext, skip_process_errors=True)
