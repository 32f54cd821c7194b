"""Accounts (A-1, A-3, A-4), their tokens (H-1), applications (P-1, P-2) and vouchers."""

from tortoise import fields
from tortoise.models import Model


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class Account(Model):
    id: int = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200)
    type = fields.CharField(max_length=16, default="OWNER")  # OWNER | SUB_USER | COLLABORATOR
    owner: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="members",
        on_delete=fields.RESTRICT,
        null=True,
    )
    owner_id: int | None  # the column Tortoise fills from the relation
    real_name_verified = fields.BooleanField(default=True)
    status = fields.CharField(max_length=16, default="NORMAL")  # NORMAL | ARREARS | SUSPENDED | BANNED
    arrears_since = fields.DatetimeField(null=True)
    suspended_at = fields.DatetimeField(null=True)
    refund_review_required = fields.BooleanField(default=False)
    # Sub-balances in fen, kept equal to the sum of this account's ledger entries (B-7):
    # they are the row that money movements lock, the ledger is the proof.
    cash_fen: int = fields.BigIntField(default=0)
    income_fen: int = fields.BigIntField(default=0)
    gift_fen: int = fields.BigIntField(default=0)
    trials_started = fields.IntField(default=0)
    # The next arrears transition (suspension at +24 h, reclaim at +90 days), null when none (C-1).
    next_due_at = fields.DatetimeField(null=True, db_index=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "account"

    @property
    def available_fen(self) -> int:
        return self.cash_fen + self.income_fen + self.gift_fen

    @property
    def payer_id(self) -> int:
        """Sub-users and collaborators act for their owner (A-1)."""
        return self.owner_id if self.owner_id is not None else self.id


class ApiToken(Model):
    id: int = fields.BigIntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    role = fields.CharField(max_length=16)  # CUSTOMER | PARTNER | SERVICE | OPERATOR
    account: fields.ForeignKeyNullableRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="tokens",
        null=True,
    )
    account_id: int | None  # the column Tortoise fills from the relation
    scopes: fields.JSONField[list[str]] = fields.JSONField(default=list)
    created_at = fields.DatetimeField()

    class Meta:
        table = "api_token"


class Application(Model):
    sdk_app_id: int = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="applications",
        on_delete=fields.RESTRICT,
    )
    account_id: int  # the column Tortoise fills from the relation
    name = fields.CharField(max_length=200)
    status = fields.CharField(max_length=16, default="ACTIVE")  # ACTIVE | SUSPENDED | BANNED | RECLAIMED
    trials_used = fields.IntField(default=0)
    created_at = fields.DatetimeField()

    class Meta:
        table = "application"


class Voucher(Model):
    id: int = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation["Account"] = fields.ForeignKeyField(
        "models.Account",
        related_name="vouchers",
        on_delete=fields.RESTRICT,
    )
    account_id: int  # the column Tortoise fills from the relation
    amount_fen: int = fields.BigIntField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    used_on_order_id: int | None = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "voucher"
