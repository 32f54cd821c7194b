"""The append-only event log (V-1) and each account's event counter (W-2)."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class Event(Model):
    id: int = fields.BigIntField(primary_key=True)
    account_id: int = fields.BigIntField(db_index=True)
    sdk_app_id: int | None = fields.BigIntField(null=True)
    type = fields.CharField(max_length=32)
    data: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    occurred_at = fields.DatetimeField()
    # W-2: 1, 2, 3 … per account with no gaps, in commit order (taken under the counter's row lock).
    sequence: int = fields.BigIntField(default=0)

    class Meta:
        table = "event"
        unique_together = (("account_id", "sequence"),)


class EventSequence(Model):
    """The last sequence number handed out for an account. A row of its own rather than a column
    of `account`, so that no full save of an Account can ever write back a stale counter; its row
    lock is what orders concurrent writers of one account's events."""

    account_id: int = fields.BigIntField(primary_key=True)  # the account's id, given explicitly
    last_sequence: int = fields.BigIntField(default=0)

    class Meta:
        table = "event_sequence"
