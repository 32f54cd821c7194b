"""Webhook endpoints, their deliveries (the outbox rows) and every attempt (W-1 … W-6)."""

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:  # the annotations only; Tortoise resolves "models.X" itself
    from app.domain.events.models import Event

from app.domain.webhooks import redact

redact.install()  # the endpoints' secrets are statement parameters: they must never reach a log


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class WebhookEndpoint(Model):
    id: int = fields.BigIntField(primary_key=True)
    account_id: int = fields.BigIntField(db_index=True)
    url = fields.CharField(max_length=2048)
    description = fields.CharField(max_length=200, null=True)
    event_types: fields.JSONField[list[str]] = fields.JSONField(default=list)  # [] = every type (W-1)
    enabled = fields.BooleanField(default=True)
    disabled_reason = fields.CharField(max_length=200, null=True)
    # The signing secret must be usable to sign, so it is stored as is; it is never returned after
    # create/rotate and never logged (W-1, W-7). The previous one signs too until `previous_until` (W-6).
    secret = fields.CharField(max_length=128)
    previous_secret = fields.CharField(max_length=128, null=True)
    previous_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    last_success_at = fields.DatetimeField(null=True)
    # The first failed attempt since the last success; null while healthy (W-5).
    failing_since = fields.DatetimeField(null=True)

    class Meta:
        table = "webhook_endpoint"

    def __repr__(self) -> str:  # never the secret (W-7)
        return f"<WebhookEndpoint {self.id} {self.url}>"

    __str__ = __repr__


class WebhookDelivery(Model):
    id: int = fields.BigIntField(primary_key=True)
    endpoint: fields.ForeignKeyRelation["WebhookEndpoint"] = fields.ForeignKeyField(
        "models.WebhookEndpoint",
        related_name="deliveries",
    )
    endpoint_id: int  # the column Tortoise fills from the relation
    event: fields.ForeignKeyRelation["Event"] = fields.ForeignKeyField("models.Event", related_name="deliveries")
    event_id: int  # the column Tortoise fills from the relation
    account_id: int = fields.BigIntField()
    sequence: int = fields.BigIntField()
    status = fields.CharField(max_length=16, default="PENDING")  # DeliveryStatus
    attempts = fields.IntField(default=0)
    next_attempt_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "webhook_delivery"
        indexes = (("endpoint_id", "sequence"), ("status", "next_attempt_at"))


class WebhookAttempt(Model):
    id: int = fields.BigIntField(primary_key=True)
    delivery: fields.ForeignKeyRelation["WebhookDelivery"] = fields.ForeignKeyField(
        "models.WebhookDelivery",
        related_name="attempt_rows",
    )
    delivery_id: int  # the column Tortoise fills from the relation
    at = fields.DatetimeField()
    http_status = fields.IntField(null=True)
    duration_ms = fields.IntField()
    error = fields.CharField(max_length=500, null=True)
    response_body = fields.TextField(null=True)  # cut to 2,048 characters (W-5)

    class Meta:
        table = "webhook_attempt"
