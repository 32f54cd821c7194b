"""The append-only event log (V-1)."""
from tortoise import fields
from tortoise.models import Model


class Event(Model):
    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField(db_index=True)
    sdk_app_id = fields.BigIntField(null=True)
    type = fields.CharField(max_length=32)
    data = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()

    class Meta:
        table = "event"
