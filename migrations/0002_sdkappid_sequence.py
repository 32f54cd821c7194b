from tortoise import migrations
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    """P-1: SDKAppIDs are integers from 1400000000 up, handed out by the database sequence."""

    dependencies = [("models", "0001_initial")]

    operations = [
        ops.RunSQL(
            "ALTER SEQUENCE application_sdk_app_id_seq RESTART WITH 1400000000",
            reverse_sql="ALTER SEQUENCE application_sdk_app_id_seq RESTART WITH 1",
        ),
    ]
