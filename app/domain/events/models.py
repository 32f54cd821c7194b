"""The append-only event log (V-1) and each account's event counter (W-2)."""
from tortoise import fields
from tortoise.models import Model


class Event(Model):
    id = fields.BigIntField(primary_key=True)
    account_id = fields.BigIntField(db_index=True)
    sdk_app_id = fields.BigIntField(null=True)
    type = fields.CharField(max_length=32)
    data = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()
    # W-2: 1, 2, 3 … per account with no gaps, in commit order (taken under the counter's row lock).
    sequence = fields.BigIntField(default=0)

    class Meta:
        table = "event"
        unique_together = (("account_id", "sequence"),)


class EventSequence(Model):
    """The last sequence number handed out for an account. A row of its own rather than a column
    of `account`, so that no full save of an Account can ever write back a stale counter; its row
    lock is what orders concurrent writers of one account's events."""

    account_id = fields.BigIntField(primary_key=True)  # the account's id, given explicitly
    last_sequence = fields.BigIntField(default=0)

    class Meta:
        table = "event_sequence"
