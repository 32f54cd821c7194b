"""Recorded usage (M-1) and postpaid settlements (M-3, M-4)."""

from tortoise import fields
from tortoise.models import Model


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class UsageRecord(Model):
    """One usage event, rated at ingestion against the package month's allowance (M-2)."""

    id: int = fields.BigIntField(primary_key=True)
    event_id = fields.CharField(max_length=128, unique=True)
    sdk_app_id: int = fields.BigIntField()
    account_id: int = fields.BigIntField()
    kind = fields.CharField(max_length=16)
    minutes: int = fields.BigIntField()
    standard_minutes: int = fields.BigIntField()
    included_minutes: int = fields.BigIntField(default=0)  # taken from the allowance
    billable_minutes: int = fields.BigIntField(default=0)  # postpaid (M-3)
    package_id: int | None = fields.BigIntField(null=True)
    trial = fields.BooleanField(default=False)  # T-5: recorded, never charged
    occurred_at = fields.DatetimeField()
    day = fields.DateField()  # Asia/Shanghai calendar day of occurred_at
    recorded_at = fields.DatetimeField()
    # The settlement that billed this row; null while unbilled (a late report waits for the next run).
    settlement_id: int | None = fields.BigIntField(null=True)

    class Meta:
        table = "usage_record"
        indexes = (("sdk_app_id", "day"), ("sdk_app_id", "occurred_at"))


class ImDailyStat(Model):
    id: int = fields.BigIntField(primary_key=True)
    sdk_app_id: int = fields.BigIntField()
    account_id: int = fields.BigIntField()
    day = fields.DateField()
    dau: int = fields.BigIntField()
    peak_groups: int = fields.BigIntField()
    recorded_at = fields.DatetimeField()

    class Meta:
        table = "im_daily_stat"
        unique_together = (("sdk_app_id", "day"),)


class Settlement(Model):
    """At most one postpaid charge per (app, kind, period): the settlement's idempotency."""

    id: int = fields.BigIntField(primary_key=True)
    sdk_app_id: int = fields.BigIntField()
    kind = fields.CharField(max_length=16)  # USAGE_DAILY | IM_MONTHLY
    period = fields.CharField(max_length=10)  # 2027-01-10 | 2027-01
    order_id: int | None = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "settlement"
        unique_together = (("sdk_app_id", "kind", "period"),)


class SettlementSchedule(Model):
    """The next run of each periodic settlement: the database is the schedule (C-1)."""

    name = fields.CharField(max_length=32, primary_key=True)
    next_due_at = fields.DatetimeField()

    class Meta:
        table = "settlement_schedule"
