from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index


class Migration(migrations.Migration):
    dependencies = [("models", "0004_webhooks")]

    initial = False

    operations = [
        ops.CreateModel(
            name="CatalogChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ("at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("operator", fields.CharField(max_length=64)),
                ("kind", fields.CharField(max_length=32)),
                ("subject", fields.CharField(max_length=200)),
                (
                    "before",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
                (
                    "after",
                    fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads),
                ),
            ],
            options={
                "table": "catalog_change",
                "app": "models",
                "pk_attr": "id",
                "table_description": "K-4: the audit trail of every operator change to the catalog (before/after as JSON).",
            },
            bases=["Model"],
        ),
        ops.CreateModel(
            name="PriceChange",
            fields=[
                ("id", fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                (
                    "component",
                    fields.ForeignKeyField(
                        "models.Component",
                        source_field="component_id",
                        db_constraint=True,
                        to_field="code",
                        related_name="price_changes",
                        on_delete=OnDelete.CASCADE,
                    ),
                ),
                ("price_fen", fields.BigIntField()),
                ("effective_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_at", fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ("created_by", fields.CharField(max_length=64)),
                ("cancelled", fields.BooleanField(default=False)),
                ("cancelled_at", fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={
                "table": "catalog_price_change",
                "app": "models",
                "indexes": [Index(fields=["component_id", "effective_at"])],
                "pk_attr": "id",
                "table_description": "K-1: a component's monthly price from `effective_at` on (until a later change); the base",
            },
            bases=["Model"],
        ),
        ops.AlterModelOptions(
            name="Campaign",
            options={
                "table": "catalog_campaign",
                "app": "models",
                "pk_attr": "code",
                "table_description": "A first-month discount: `percent_of_list` % of the edition's list price (B-4), as data (K-3):",
            },
        ),
        ops.RenameField(
            model_name="Campaign",
            old_name="active",
            new_name="enabled",
        ),
        ops.AddField(
            model_name="Campaign",
            name="editions",
            field=fields.JSONField(
                default=list, encoder=functools.partial(dumps, separators=(",", ":")), decoder=loads
            ),
        ),
        ops.AddField(
            model_name="Campaign",
            name="ends_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Campaign",
            name="starts_at",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        # The campaigns seeded before K-3 applied to every paid edition: say so in the new column.
        ops.RunSQL(
            'UPDATE catalog_campaign SET editions = \'["BASIC","ADVANCED","LARGE_ROOM"]\'::jsonb'
            " WHERE editions = '[]'::jsonb",
            reverse_sql="SELECT 1",
        ),
    ]
