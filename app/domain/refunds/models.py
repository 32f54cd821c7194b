"""No-reason refunds (F-1…F-4)."""
from tortoise import fields
from tortoise.models import Model


class Refund(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="refunds", on_delete=fields.RESTRICT)
    order = fields.ForeignKeyField("models.Order", related_name="refunds", on_delete=fields.RESTRICT)
    status = fields.CharField(max_length=16)  # PENDING_REVIEW | APPROVED | REJECTED
    amount_fen = fields.BigIntField()  # money returned; vouchers excluded (F-3)
    gift_fen = fields.BigIntField(default=0)
    income_fen = fields.BigIntField(default=0)
    cash_fen = fields.BigIntField(default=0)
    # NO_REASON: the one 5-day refund of F-1; CANCELLATION: a renewal cancelled before it started
    # (F-5), which does not use it up.
    reason = fields.CharField(max_length=16, default="NO_REASON")
    note = fields.CharField(max_length=200, null=True)
    created_at = fields.DatetimeField()
    decided_at = fields.DatetimeField(null=True)

    class Meta:
        table = "refund"
