from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index
from tortoise.migrations.constraints import UniqueConstraint

# W-2: existing events get their per-account numbers in id order (the order they were written),
# and each account's counter starts after its last one.
NUMBER_EXISTING = """
UPDATE event e SET sequence = n.rn
FROM (SELECT id, row_number() OVER (PARTITION BY account_id ORDER BY id) AS rn FROM event) n
WHERE e.id = n.id;
INSERT INTO event_sequence (account_id, last_sequence)
SELECT account_id, max(sequence) FROM event GROUP BY account_id;
"""
# The relay's hot predicates (W-3): due pending deliveries, and the per-endpoint FIFO check.
PARTIAL_INDEXES = """
CREATE INDEX webhook_delivery_due ON webhook_delivery (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX webhook_delivery_first ON webhook_delivery (endpoint_id, sequence)
  WHERE status = 'PENDING' AND attempts = 0;
"""


class Migration(migrations.Migration):
    """Issue 12: per-account event sequence (V-1, W-2) and the webhook outbox (W-1 … W-7)."""

    dependencies = [("models", "0003_renewal_management")]

    initial = False

    operations = [
        ops.CreateModel(
            name="EventSequence",
            fields=[
                ("account_id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("last_sequence", fields.BigIntField(default=0)),
            ],
            options={
                "table": "event_sequence",
                "app": "models",
                "pk_attr": "account_id",
                "table_description": "The last sequence number handed out for an account. A row of its own rather than a column",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookEndpoint",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("account_id", fields.BigIntField(db_index=True)),
                ("url", fields.CharField(max_length=2048)),
                ("description", fields.CharField(null=True, max_length=200)),
                (
                    "event_types",
                    fields.JSONField(
                        default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
                    ),
                ),
                ("enabled", fields.BooleanField(default=True)),
                ("disabled_reason", fields.CharField(null=True, max_length=200)),
                ("secret", fields.CharField(max_length=128)),
                ("previous_secret", fields.CharField(null=True, max_length=128)),
                ("previous_until", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("last_success_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("failing_since", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={"table": "webhook_endpoint", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookDelivery",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "endpoint",
                    fields.ForeignKeyField(
                        "models.WebhookEndpoint",
                        source_field="endpoint_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                (
                    "event",
                    fields.ForeignKeyField(
                        "models.Event",
                        source_field="event_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="deliveries",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("account_id", fields.BigIntField()),
                ("sequence", fields.BigIntField()),
                ("status", fields.CharField(default="PENDING", max_length=16)),
                ("attempts", fields.IntField(default=0)),
                ("next_attempt_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "webhook_delivery",
                "app": "models",
                "indexes": [Index(fields=["endpoint_id", "sequence"]), Index(fields=["status", "next_attempt_at"])],
                "pk_attr": "id",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="WebhookAttempt",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "delivery",
                    fields.ForeignKeyField(
                        "models.WebhookDelivery",
                        source_field="delivery_id",
                        db_constraint=True,
                        to_field="id",
                        related_name="attempt_rows",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("http_status", fields.IntField(null=True)),
                ("duration_ms", fields.IntField()),
                ("error", fields.CharField(null=True, max_length=500)),
                ("response_body", fields.TextField(null=True, unique=False)),
            ],
            options={"table": "webhook_attempt", "app": "models", "pk_attr": "id"},
            bases=["Model"],
        ),
        ops.AddField(
            model_name="Event",
            name="sequence",
            field=fields.BigIntField(default=0),
        ),
        ops.RunSQL(NUMBER_EXISTING, reverse_sql="SELECT 1"),
        ops.AddConstraint(
            model_name="Event",
            constraint=UniqueConstraint(fields=("account_id", "sequence"), name=None),
        ),
        ops.RunSQL(PARTIAL_INDEXES, reverse_sql="DROP INDEX webhook_delivery_due; DROP INDEX webhook_delivery_first;"),
    ]
