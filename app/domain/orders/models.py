"""Orders: what was bought, for how much, and which sources paid it (B-5)."""

from typing import TYPE_CHECKING, Any

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from app.domain.accounts.models import Account
    from app.domain.packages.models import Package


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class Order(Model):
    id: int = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="orders",
        on_delete=fields.RESTRICT,
    )
    account_id: int  # the column Tortoise fills from the relation
    placed_by: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="placed_orders",
        on_delete=fields.RESTRICT,
        null=True,
    )
    placed_by_id: int | None  # the column Tortoise fills from the relation
    sdk_app_id: int = fields.BigIntField(db_index=True)
    package: fields.ForeignKeyNullableRelation["Package"] = fields.ForeignKeyField(
        "models.Package",
        related_name="orders",
        on_delete=fields.RESTRICT,
        null=True,
    )
    package_id: int | None  # the column Tortoise fills from the relation
    kind = fields.CharField(max_length=16)  # codes.OrderKind
    # The vouchers that paid it: each Voucher row names its order (used_on_order_id), and
    # details["voucherIds"] lists them in the order they were applied.
    status = fields.CharField(max_length=16, default="PAID")  # PAID | REFUNDED
    edition = fields.CharField(max_length=32, null=True)
    months = fields.IntField(null=True)
    scope = fields.CharField(max_length=16, null=True)
    amount_fen: int = fields.BigIntField()
    paid_voucher_fen: int = fields.BigIntField(default=0)
    paid_gift_fen: int = fields.BigIntField(default=0)
    paid_income_fen: int = fields.BigIntField(default=0)
    paid_cash_fen: int = fields.BigIntField(default=0)
    lines: fields.JSONField[list[dict[str, Any]]] = fields.JSONField(default=list)
    # What a renewal added, so that a refund can take exactly that back (F-4).
    details: fields.JSONField[dict[str, Any]] = fields.JSONField(default=dict)
    created_at = fields.DatetimeField()

    class Meta:
        table = "billing_order"
