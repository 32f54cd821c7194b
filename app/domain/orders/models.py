"""Orders: what was bought, for how much, and which sources paid it (B-5)."""
from tortoise import fields
from tortoise.models import Model


class Order(Model):
    id = fields.BigIntField(primary_key=True)
    account = fields.ForeignKeyField("models.Account", related_name="orders", on_delete=fields.RESTRICT)
    placed_by = fields.ForeignKeyField("models.Account", related_name="placed_orders", on_delete=fields.RESTRICT, null=True)
    sdk_app_id = fields.BigIntField(db_index=True)
    package = fields.ForeignKeyField("models.Package", related_name="orders", on_delete=fields.RESTRICT, null=True)
    kind = fields.CharField(max_length=16)  # codes.OrderKind
    # The vouchers that paid it: each Voucher row names its order (used_on_order_id), and
    # details["voucherIds"] lists them in the order they were applied.
    status = fields.CharField(max_length=16, default="PAID")  # PAID | REFUNDED
    edition = fields.CharField(max_length=32, null=True)
    months = fields.IntField(null=True)
    scope = fields.CharField(max_length=16, null=True)
    amount_fen = fields.BigIntField()
    paid_voucher_fen = fields.BigIntField(default=0)
    paid_gift_fen = fields.BigIntField(default=0)
    paid_income_fen = fields.BigIntField(default=0)
    paid_cash_fen = fields.BigIntField(default=0)
    lines = fields.JSONField(default=list)
    # What a renewal added, so that a refund can take exactly that back (F-4).
    details = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "billing_order"
