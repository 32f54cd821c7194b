"""Who is calling (H-1): resolved once per request by the API, passed to every service."""

from dataclasses import dataclass, field

PARTNER_SCOPES = frozenset({"account:read", "orders:read", "packages:write", "refunds:write", "webhooks:write"})
ROLES = ("CUSTOMER", "PARTNER", "SERVICE", "OPERATOR")


@dataclass(frozen=True)
class Caller:
    role: str
    # The account whose data and money the caller acts on: the owner for sub-users.
    account_id: int | None = None
    # The account that actually signed in (a sub-user's own id), for campaign eligibility.
    actor_account_id: int | None = None
    actor_type: str = "OWNER"
    scopes: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_operator(self) -> bool:
        return self.role == "OPERATOR"
