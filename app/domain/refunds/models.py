"""No-reason refunds (F-1…F-4)."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from app.domain.accounts.models import Account
    from app.domain.orders.models import Order


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class Refund(Model):
    id: int = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="refunds",
        on_delete=fields.RESTRICT,
    )
    account_id: int  # the column Tortoise fills from the relation
    order: fields.ForeignKeyRelation["Order"] = fields.ForeignKeyField(
        "models.Order",
        related_name="refunds",
        on_delete=fields.RESTRICT,
    )
    order_id: int  # the column Tortoise fills from the relation
    status = fields.CharField(max_length=16)  # PENDING_REVIEW | APPROVED | REJECTED
    amount_fen: int = fields.BigIntField()  # money returned; vouchers excluded (F-3)
    gift_fen: int = fields.BigIntField(default=0)
    income_fen: int = fields.BigIntField(default=0)
    cash_fen: int = fields.BigIntField(default=0)
    # NO_REASON: the one 5-day refund of F-1; CANCELLATION: a renewal cancelled before it started
    # (F-5), which does not use it up.
    reason = fields.CharField(max_length=16, default="NO_REASON")
    note = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"
