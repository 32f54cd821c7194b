"""Package timers (T-1, R-2…R-5, M-2): trial end, reminders, monthly allowance, auto-renewal, expiry.

`pending()` is pure: from a package row it lists the transitions still owed, with due times;
`next_due_at` caches the earliest. A transition is applied under the row lock after re-checking
that it is still owed and due, and leaves a mark (new status, new expiry, reminder stamp,
allowance month) that removes it from `pending()`, so a second or late run changes nothing.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.domain.packages import rules
from app.domain.packages.models import Package
from app.domain.renewals import alignment
from app.domain.timers import punctual

REMINDERS = {"7d": timedelta(days=7), "1d": timedelta(hours=24)}
# At one instant: grant before reminding, remind before expiring.
ORDER = {"trial_end": 3, "allowance": 0, "remind_7d": 1, "remind_1d": 2, "expire": 3}


@dataclass(frozen=True, order=True)
class Due:
    at: datetime
    rank: int
    kind: str


def pending(p: Package) -> list[Due]:
    if p.status == "TRIAL":
        return [Due(p.rtc_expires_at, ORDER["trial_end"], "trial_end")]
    if p.status != "ACTIVE":
        return []
    expiry = p.expires_at
    owed = [Due(expiry, ORDER["expire"], "expire")]
    for name, before in REMINDERS.items():
        if p.flag != "NO_RENEW" and getattr(p, f"reminded_{name}_for") != expiry:  # none for NO_RENEW
            owed.append(Due(expiry - before, ORDER[f"remind_{name}"], f"remind_{name}"))
    month = p.allowance_month + 1
    if p.prior_anchor is not None:  # aligned, its short month not started yet
        owed.append(Due(alignment.next_grant_at(p), ORDER["allowance"], "allowance"))
    elif month < p.rtc_months:
        start = rules.add_months(p.rtc_anchor, month)
        if start < p.rtc_expires_at:
            owed.append(Due(start, ORDER["allowance"], "allowance"))
    return sorted(owed)


def due_now(p: Package, now: datetime) -> Due | None:
    owed = pending(p)
    return owed[0] if owed and owed[0].at <= now else None


def schedule(p: Package) -> None:
    owed = pending(p)
    p.next_due_at = owed[0].at if owed else None
    p.next_due_kind = owed[0].kind if owed else None
    punctual.at_due("package", p, p.next_due_at)
