"""Issue 9: money-bearing foreign keys refuse deletion (RESTRICT) instead of cascading: deleting an
account or a sub-user must never silently delete orders, packages or refunds whose ledger rows survive."""
from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0005_catalog_management')]

    initial = False

    operations = [
        # An order paid with several vouchers kept only the first one's id here; every voucher row
        # names its order instead (voucher.used_on_order_id), and the order's details list them all.
        ops.RemoveField(model_name='Order', name='voucher_id'),
        ops.AlterField(
            model_name='Account',
            name='owner',
            field=fields.ForeignKeyField('models.Account', source_field='owner_id', null=True, db_constraint=True, to_field='id', related_name='members', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Application',
            name='account',
            field=fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='applications', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='LedgerEntry',
            name='transaction',
            field=fields.ForeignKeyField('models.LedgerTransaction', source_field='transaction_id', db_constraint=True, to_field='id', related_name='entries', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Order',
            name='account',
            field=fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Order',
            name='package',
            field=fields.ForeignKeyField('models.Package', source_field='package_id', null=True, db_constraint=True, to_field='id', related_name='orders', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Order',
            name='placed_by',
            field=fields.ForeignKeyField('models.Account', source_field='placed_by_id', null=True, db_constraint=True, to_field='id', related_name='placed_orders', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Package',
            name='account',
            field=fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='packages', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Package',
            name='application',
            field=fields.ForeignKeyField('models.Application', source_field='application_id', db_constraint=True, to_field='sdk_app_id', related_name='packages', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Refund',
            name='account',
            field=fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Refund',
            name='order',
            field=fields.ForeignKeyField('models.Order', source_field='order_id', db_constraint=True, to_field='id', related_name='refunds', on_delete=OnDelete.RESTRICT),
        ),
        ops.AlterField(
            model_name='Voucher',
            name='account',
            field=fields.ForeignKeyField('models.Account', source_field='account_id', db_constraint=True, to_field='id', related_name='vouchers', on_delete=OnDelete.RESTRICT),
        ),
        # Tortoise's AlterField records the new on_delete in the migration state but leaves the
    # database constraint as it was: the constraints themselves are replaced here.
        ops.RunSQL(
            """ALTER TABLE account DROP CONSTRAINT IF EXISTS account_owner_id_fkey, ADD CONSTRAINT account_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES account (id) ON DELETE RESTRICT;
ALTER TABLE application DROP CONSTRAINT IF EXISTS application_account_id_fkey, ADD CONSTRAINT application_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE RESTRICT;
ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS ledger_entry_transaction_id_fkey, ADD CONSTRAINT ledger_entry_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES ledger_transaction (id) ON DELETE RESTRICT;
ALTER TABLE billing_order DROP CONSTRAINT IF EXISTS billing_order_account_id_fkey, ADD CONSTRAINT billing_order_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE RESTRICT;
ALTER TABLE billing_order DROP CONSTRAINT IF EXISTS billing_order_package_id_fkey, ADD CONSTRAINT billing_order_package_id_fkey FOREIGN KEY (package_id) REFERENCES package (id) ON DELETE RESTRICT;
ALTER TABLE billing_order DROP CONSTRAINT IF EXISTS billing_order_placed_by_id_fkey, ADD CONSTRAINT billing_order_placed_by_id_fkey FOREIGN KEY (placed_by_id) REFERENCES account (id) ON DELETE RESTRICT;
ALTER TABLE package DROP CONSTRAINT IF EXISTS package_account_id_fkey, ADD CONSTRAINT package_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE RESTRICT;
ALTER TABLE package DROP CONSTRAINT IF EXISTS package_application_id_fkey, ADD CONSTRAINT package_application_id_fkey FOREIGN KEY (application_id) REFERENCES application (sdk_app_id) ON DELETE RESTRICT;
ALTER TABLE refund DROP CONSTRAINT IF EXISTS refund_account_id_fkey, ADD CONSTRAINT refund_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE RESTRICT;
ALTER TABLE refund DROP CONSTRAINT IF EXISTS refund_order_id_fkey, ADD CONSTRAINT refund_order_id_fkey FOREIGN KEY (order_id) REFERENCES billing_order (id) ON DELETE RESTRICT;
ALTER TABLE voucher DROP CONSTRAINT IF EXISTS voucher_account_id_fkey, ADD CONSTRAINT voucher_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE RESTRICT""",
            reverse_sql="""ALTER TABLE account DROP CONSTRAINT IF EXISTS account_owner_id_fkey, ADD CONSTRAINT account_owner_id_fkey FOREIGN KEY (owner_id) REFERENCES account (id) ON DELETE CASCADE;
ALTER TABLE application DROP CONSTRAINT IF EXISTS application_account_id_fkey, ADD CONSTRAINT application_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE;
ALTER TABLE ledger_entry DROP CONSTRAINT IF EXISTS ledger_entry_transaction_id_fkey, ADD CONSTRAINT ledger_entry_transaction_id_fkey FOREIGN KEY (transaction_id) REFERENCES ledger_transaction (id) ON DELETE CASCADE;
ALTER TABLE billing_order DROP CONSTRAINT IF EXISTS billing_order_account_id_fkey, ADD CONSTRAINT billing_order_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE;
ALTER TABLE billing_order DROP CONSTRAINT IF EXISTS billing_order_package_id_fkey, ADD CONSTRAINT billing_order_package_id_fkey FOREIGN KEY (package_id) REFERENCES package (id) ON DELETE CASCADE;
ALTER TABLE billing_order DROP CONSTRAINT IF EXISTS billing_order_placed_by_id_fkey, ADD CONSTRAINT billing_order_placed_by_id_fkey FOREIGN KEY (placed_by_id) REFERENCES account (id) ON DELETE CASCADE;
ALTER TABLE package DROP CONSTRAINT IF EXISTS package_account_id_fkey, ADD CONSTRAINT package_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE;
ALTER TABLE package DROP CONSTRAINT IF EXISTS package_application_id_fkey, ADD CONSTRAINT package_application_id_fkey FOREIGN KEY (application_id) REFERENCES application (sdk_app_id) ON DELETE CASCADE;
ALTER TABLE refund DROP CONSTRAINT IF EXISTS refund_account_id_fkey, ADD CONSTRAINT refund_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE;
ALTER TABLE refund DROP CONSTRAINT IF EXISTS refund_order_id_fkey, ADD CONSTRAINT refund_order_id_fkey FOREIGN KEY (order_id) REFERENCES billing_order (id) ON DELETE CASCADE;
ALTER TABLE voucher DROP CONSTRAINT IF EXISTS voucher_account_id_fkey, ADD CONSTRAINT voucher_account_id_fkey FOREIGN KEY (account_id) REFERENCES account (id) ON DELETE CASCADE""",
        ),
    ]
