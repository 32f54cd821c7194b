"""The data of the events a package timer writes, declared once for both paths that write them:
the per-row path (package_sweep._apply) builds it in Python, the set-based one (END_IN_BULK)
in SQL, each from the same declaration, so the two cannot drift apart."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# Python's isoformat() of a UTC instant, written in SQL: the set-based path writes the same text.
_ISO = """(to_char({0} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
  || CASE WHEN extract(microseconds FROM {0})::bigint % 1000000 = 0 THEN ''
          ELSE to_char({0} AT TIME ZONE 'UTC', '.US') END || '+00:00')"""


class Field(Protocol):
    """One value of the data: from a keyword in Python, from the column of that name in SQL."""

    @property
    def column(self) -> str: ...

    def value(self, given: Any) -> Any: ...

    def sql(self) -> str: ...


@dataclass(frozen=True)
class Text:
    column: str

    def value(self, given: Any) -> str:
        return str(given)

    def sql(self) -> str:
        return f"{self.column}::text"


@dataclass(frozen=True)
class Instant:
    column: str

    def value(self, given: datetime) -> str:
        return given.isoformat()

    def sql(self) -> str:
        return _ISO.format(self.column)


@dataclass(frozen=True)
class Codes:
    """A list of component codes (a text[] column in SQL)."""

    column: str

    def value(self, given: list[str]) -> list[str]:
        return list(given)

    def sql(self) -> str:
        return f"to_jsonb({self.column})"


@dataclass(frozen=True)
class Payload:
    fields: dict[str, Field]
    constants: dict[str, str]

    def of(self, **columns: Any) -> dict[str, Any]:
        return {**{key: f.value(columns[f.column]) for key, f in self.fields.items()}, **self.constants}

    def sql(self) -> str:
        pairs = [f"'{key}', {f.sql()}" for key, f in self.fields.items()]
        pairs += [f"'{key}', '{value}'" for key, value in self.constants.items()]
        return f"jsonb_build_object({', '.join(pairs)})"


# TRIAL_ENDED at the trial's own end (T-1); a purchase ending a trial says reason PURCHASE instead.
TRIAL_ENDED = Payload({"packageId": Text("package_id")}, {"reason": "EXPIRED"})
# PACKAGE_EXPIRED at the expiry instant: the codes of the components that ended then.
PACKAGE_EXPIRED = Payload(
    {"packageId": Text("package_id"), "components": Codes("components"), "expiresAt": Instant("expires_at")}, {}
)
