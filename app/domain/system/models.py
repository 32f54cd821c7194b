"""Process-independent state: the simulated clock lives here so API and workers share it (C-2)."""
from tortoise import fields
from tortoise.models import Model


class SimulatedClock(Model):
    id = fields.IntField(primary_key=True)
    now = fields.DatetimeField()

    class Meta:
        table = "simulated_clock"


class IdempotencyRecord(Model):
    """A successful money-moving mutation's result, replayed for 24 h (B-8)."""

    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField()
    key = fields.CharField(max_length=64)
    mutation = fields.CharField(max_length=64)
    request_hash = fields.CharField(max_length=64)
    result = fields.JSONField()
    created_at = fields.DatetimeField()

    class Meta:
        table = "idempotency_record"
        unique_together = (("account_id", "key"),)
