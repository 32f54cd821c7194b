from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields


class Migration(migrations.Migration):
    """Renewal management (SPEC §12): renew flags (R-6), the short month of an alignment (R-9), and
    cancellations that are refunds but not the one no-reason refund (F-5)."""

    dependencies = [("models", "0002_sdkappid_sequence")]

    initial = False

    operations = [
        ops.AddField(
            model_name="Package",
            name="prior_anchor",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Package",
            name="prior_months",
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name="Package",
            name="renew_flag",
            field=fields.CharField(default="MANUAL_RENEW", max_length=16),
        ),
        ops.AddField(
            model_name="Package",
            name="short_month_minutes",
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name="Package",
            name="short_month_start",
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name="Refund",
            name="reason",
            field=fields.CharField(default="NO_REASON", max_length=16),
        ),
        # packages with auto-renewal on become AUTO_RENEW, the rest keep the default MANUAL_RENEW.
        ops.RunSQL(
            "UPDATE package SET renew_flag = 'AUTO_RENEW' WHERE auto_renew",
            reverse_sql="SELECT 1",
        ),
    ]
