"""Process-independent state: the simulated clock lives here so API and workers share it (C-2)."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class SimulatedClock(Model):
    id = fields.IntField(primary_key=True)
    now = fields.DatetimeField()

    class Meta:
        table = "simulated_clock"


class IdempotencyRecord(Model):
    """A successful money-moving mutation's result, replayed for 24 h (B-8)."""

    id: int = fields.BigIntField(primary_key=True)
    account_id: int = fields.BigIntField()
    key = fields.CharField(max_length=64)
    mutation = fields.CharField(max_length=64)
    request_hash = fields.CharField(max_length=64)
    result: fields.JSONField[dict[str, Any]] = fields.JSONField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_record"
        unique_together = (("account_id", "key"),)
