"""Expected refusals of the domain. Codes are the ones SPEC.md names."""


class DomainError(Exception):
    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class NotFound(DomainError):
    """Absent or not the caller's: H-2 makes the two indistinguishable."""

    def __init__(self, what: str = "object", field: str | None = None):
        super().__init__("NOT_FOUND", f"{what} not found", field)
