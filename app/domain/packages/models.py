"""A package: an edition bought (or trialled) for one app, with its two component periods."""

from datetime import datetime
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from app.domain.accounts.models import Account, Application


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class Package(Model):
    id: int = fields.BigIntField(primary_key=True)
    application: fields.ForeignKeyRelation["Application"] = fields.ForeignKeyField(
        "models.Application",
        related_name="packages",
        on_delete=fields.RESTRICT,
    )
    application_id: int  # the column Tortoise fills from the relation
    account: fields.ForeignKeyRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="packages",
        on_delete=fields.RESTRICT,
    )
    account_id: int  # the column Tortoise fills from the relation
    edition = fields.CharField(max_length=32)
    status = fields.CharField(max_length=16)  # TRIAL | ACTIVE | EXPIRED | TRIAL_ENDED | REFUNDED | RECLAIMED
    # Each component runs from its anchor for a whole number of anchor-months (B-3);
    # a trial's RTC period is a fixed 7×24 h instead (rtc_months 0, expiry stored).
    rtc_code = fields.CharField(max_length=32)
    rtc_anchor = fields.DatetimeField()
    rtc_months = fields.IntField()
    rtc_expires_at = fields.DatetimeField()
    im_code = fields.CharField(max_length=32, null=True)
    im_anchor = fields.DatetimeField(null=True)
    im_months = fields.IntField(null=True)
    im_expires_at = fields.DatetimeField(null=True)
    started_at = fields.DatetimeField()
    ended_at = fields.DatetimeField(null=True)
    auto_renew = fields.BooleanField(default=False)
    auto_renew_months = fields.IntField(default=1)
    auto_renew_failure_reason = fields.CharField(max_length=32, null=True)
    # the customer's renew flag. `auto_renew` stays the switch the timers read; the flag shown is
    # derived in `flag` so that code turning auto-renewal off (ban, refund, reclaim) stays consistent.
    renew_flag = fields.CharField(max_length=16, default="MANUAL_RENEW")
    # an alignment moves the RTC anchor to T; the package months before the old expiry E keep
    # being granted on the old schedule, then the short month E → T gets its pro-rated minutes.
    # Set while that short month has not started; cleared when it is granted.
    prior_anchor = fields.DatetimeField(null=True)
    prior_months = fields.IntField(null=True)
    short_month_start = fields.DatetimeField(null=True)
    short_month_minutes: int | None = fields.BigIntField(null=True)
    # Included minutes of the current package month (M-2): granted at each month's start.
    allowance_month = fields.IntField(default=0)  # index of the package month last granted
    allowance_granted: int = fields.BigIntField(default=0)
    allowance_used: int = fields.BigIntField(default=0)
    # Reminders already sent, by the expiry they were for: a renewal re-arms them.
    reminded_7d_for = fields.DatetimeField(null=True)
    reminded_1d_for = fields.DatetimeField(null=True)
    # The next instant a timer has work on this row; null when none (C-1).
    next_due_at = fields.DatetimeField(null=True, db_index=True)
    next_due_kind = fields.CharField(max_length=16, null=True)  # which transition is due then
    created_at = fields.DatetimeField()

    class Meta:
        table = "package"

    @property
    def expires_at(self) -> datetime:
        if self.im_expires_at is None:
            return self.rtc_expires_at
        return min(self.rtc_expires_at, self.im_expires_at)

    @property
    def flag(self) -> str:
        """R-6: AUTO_RENEW exactly when auto-renewal is on; trials show MANUAL_RENEW."""
        if self.auto_renew:
            return "AUTO_RENEW"
        return "NO_RENEW" if self.renew_flag == "NO_RENEW" else "MANUAL_RENEW"

    @property
    def included_minutes_left(self) -> int | None:
        if self.status not in ("ACTIVE", "EXPIRED") or self.edition == "TRIAL":
            return None
        return max(self.allowance_granted - self.allowance_used, 0)

    @property
    def is_current(self) -> bool:
        return self.status in ("TRIAL", "ACTIVE", "EXPIRED")
