"""Expected refusals of the domain. Codes are the ones SPEC.md names."""

from app.domain.codes import ErrorCode


class DomainError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field

    def refusals(self) -> list["DomainError"]:
        """Each refusal this one stands for (a batch refuses several items at once)."""
        return [self]


class NotFound(DomainError):
    """Absent or not the caller's: H-2 makes the two indistinguishable."""

    def __init__(self, what: str = "object", field: str | None = None):
        super().__init__("NOT_FOUND", f"{what} not found", field)


class Forbidden(DomainError):
    """The caller's role or scopes do not allow the command. Not a refusal of its input: the API
    answers it as a top-level FORBIDDEN error (the contract), never as payload `errors`."""

    def __init__(self, what: str = "this operation"):
        super().__init__(ErrorCode.FORBIDDEN, f"the caller's role or scopes do not allow {what}")
