"""Issue 9: money-bearing foreign keys refuse deletion (RESTRICT) instead of cascading: deleting an
account or a sub-user must never silently delete orders, packages or refunds whose ledger rows survive."""

from tortoise import fields, migrations
from tortoise.fields.base import OnDelete
from tortoise.migrations import operations as ops

# Each key once, for both the migration state (AlterField) and the constraint it names in the
# database (RunSQL): (model, field, table, referenced model, referenced table, referenced column,
# related_name, nullable).
KEYS = [
    ("Account", "owner", "account", "Account", "account", "id", "members", True),
    ("Application", "account", "application", "Account", "account", "id", "applications", False),
    ("LedgerEntry", "transaction", "ledger_entry", "LedgerTransaction", "ledger_transaction", "id", "entries", False),
    ("Order", "account", "billing_order", "Account", "account", "id", "orders", False),
    ("Order", "package", "billing_order", "Package", "package", "id", "orders", True),
    ("Order", "placed_by", "billing_order", "Account", "account", "id", "placed_orders", True),
    ("Package", "account", "package", "Account", "account", "id", "packages", False),
    ("Package", "application", "package", "Application", "application", "sdk_app_id", "packages", False),
    ("Refund", "account", "refund", "Account", "account", "id", "refunds", False),
    ("Refund", "order", "refund", "Order", "billing_order", "id", "refunds", False),
    ("Voucher", "account", "voucher", "Account", "account", "id", "vouchers", False),
]


def _restricted(model: str, name: str, to: str, to_field: str, related_name: str, null: bool) -> ops.AlterField:
    extra = {"null": True} if null else {}
    return ops.AlterField(
        model_name=model,
        name=name,
        field=fields.ForeignKeyField(
            f"models.{to}",
            source_field=f"{name}_id",
            **extra,
            db_constraint=True,
            to_field=to_field,
            related_name=related_name,
            on_delete=OnDelete.RESTRICT,
        ),
    )


def _constraints(on_delete: str) -> str:
    return ";\n".join(
        f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {table}_{name}_id_fkey, ADD CONSTRAINT {table}_{name}_id_fkey "
        f"FOREIGN KEY ({name}_id) REFERENCES {ref_table} ({ref_column}) ON DELETE {on_delete}"
        for _model, name, table, _to, ref_table, ref_column, _related, _null in KEYS
    )


class Migration(migrations.Migration):
    dependencies = [("models", "0005_catalog_management")]

    initial = False

    operations = [
        # An order paid with several vouchers kept only the first one's id here; every voucher row
        # names its order instead (voucher.used_on_order_id), and the order's details list them all.
        ops.RemoveField(model_name="Order", name="voucher_id"),
        *(
            _restricted(model, name, to, ref_column, related, null)
            for model, name, _table, to, _ref_table, ref_column, related, null in KEYS
        ),
        # Tortoise's AlterField records the new on_delete in the migration state but leaves the
        # database constraint as it was: the constraints themselves are replaced here.
        ops.RunSQL(_constraints("RESTRICT"), reverse_sql=_constraints("CASCADE")),
    ]
