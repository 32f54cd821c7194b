"""Double-entry ledger (B-7): every transaction's entries sum to zero."""

from tortoise import fields
from tortoise.models import Model


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class LedgerTransaction(Model):
    id: int = fields.BigIntField(primary_key=True)
    kind = fields.CharField(max_length=32)  # TOP_UP | CREDIT | ORDER | REFUND | POSTPAID | …
    account_id: int | None = fields.BigIntField(null=True, db_index=True)
    order_id: int | None = fields.BigIntField(null=True)
    memo = fields.CharField(max_length=200, default="")
    created_at = fields.DatetimeField()

    class Meta:
        table = "ledger_transaction"


class LedgerEntry(Model):
    """`book` names a ledger account: a customer's CASH / INCOME / GIFT wallet (account_id set),
    or a house book (REVENUE, PROMOTIONS, FUNDING) with account_id naming the customer concerned."""

    id: int = fields.BigIntField(primary_key=True)
    transaction: fields.ForeignKeyRelation["LedgerTransaction"] = fields.ForeignKeyField(
        "models.LedgerTransaction",
        related_name="entries",
        on_delete=fields.RESTRICT,
    )
    transaction_id: int  # the column Tortoise fills from the relation
    account_id: int | None = fields.BigIntField(null=True, db_index=True)
    book = fields.CharField(max_length=16)
    amount_fen: int = fields.BigIntField()

    class Meta:
        table = "ledger_entry"
