"""The catalog is data (SPEC §1): operators change rows, code reads them."""

from typing import Any

from tortoise import fields
from tortoise.models import Model


# `BigIntField` columns carry an explicit `int` annotation: Tortoise's stubs drop IntField's type
# parameter in that subclass, so they would read as Any — and they hold money in fen.
class Component(Model):
    code = fields.CharField(max_length=32, primary_key=True)
    product = fields.CharField(max_length=8)  # RTC | IM
    name = fields.CharField(max_length=64)
    monthly_price_fen: int = fields.BigIntField()
    tier = fields.IntField()  # order within a product; upgrades only go up
    trial_days = fields.IntField(null=True)

    class Meta:
        table = "catalog_component"


class Edition(Model):
    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=64)
    position = fields.IntField()
    list_price_fen: int = fields.BigIntField()
    rtc_component: fields.ForeignKeyRelation["Component"] = fields.ForeignKeyField(
        "models.Component",
        related_name="rtc_editions",
    )
    rtc_component_id: str  # the column Tortoise fills from the relation
    im_component: fields.ForeignKeyNullableRelation["Component"] = fields.ForeignKeyField(
        "models.Component",
        related_name="im_editions",
        null=True,
    )
    im_component_id: str | None  # the column Tortoise fills from the relation
    trial_days = fields.IntField(null=True)
    max_participants = fields.IntField()
    max_video_streams = fields.IntField()
    resolutions: fields.JSONField[list[str]] = fields.JSONField()
    included_minutes: int | None = fields.BigIntField(null=True)
    included_dau = fields.IntField(null=True)
    included_peak_groups = fields.IntField(null=True)
    purchasable = fields.BooleanField(default=True)

    class Meta:
        table = "catalog_edition"


class Feature(Model):
    code = fields.CharField(max_length=64, primary_key=True)
    group = fields.CharField(max_length=32)
    name = fields.CharField(max_length=128)
    position = fields.IntField()

    class Meta:
        table = "catalog_feature"


class EditionFeature(Model):
    id = fields.IntField(primary_key=True)
    edition: fields.ForeignKeyRelation["Edition"] = fields.ForeignKeyField(
        "models.Edition",
        related_name="feature_values",
    )
    edition_id: str  # the column Tortoise fills from the relation
    feature: fields.ForeignKeyRelation["Feature"] = fields.ForeignKeyField(
        "models.Feature",
        related_name="edition_values",
    )
    feature_id: str  # the column Tortoise fills from the relation
    included = fields.BooleanField()
    value = fields.CharField(max_length=200, null=True)

    class Meta:
        table = "catalog_edition_feature"
        unique_together = (("edition", "feature"),)


class Campaign(Model):
    """A first-month discount: `percent_of_list` % of the edition's list price (B-4), as data (K-3):
    for the listed editions, while enabled and inside [starts_at, ends_at) (null = open)."""

    code = fields.CharField(max_length=32, primary_key=True)
    name = fields.CharField(max_length=64)
    percent_of_list = fields.IntField()
    first_order_only = fields.BooleanField()
    enabled = fields.BooleanField(default=True)
    editions: fields.JSONField[list[str]] = fields.JSONField(default=list)  # edition codes it applies to
    starts_at = fields.DatetimeField(null=True)
    ends_at = fields.DatetimeField(null=True)

    class Meta:
        table = "catalog_campaign"


class PriceChange(Model):
    """K-1: a component's monthly price from `effective_at` on (until a later change); the base
    price on the component row applies before the first one."""

    id: int = fields.BigIntField(primary_key=True)
    component: fields.ForeignKeyRelation["Component"] = fields.ForeignKeyField(
        "models.Component",
        related_name="price_changes",
    )
    component_id: str  # the column Tortoise fills from the relation
    price_fen: int = fields.BigIntField()
    effective_at = fields.DatetimeField()
    created_at = fields.DatetimeField()
    created_by = fields.CharField(max_length=64)
    cancelled = fields.BooleanField(default=False)
    cancelled_at = fields.DatetimeField(null=True)

    class Meta:
        table = "catalog_price_change"
        indexes = (("component_id", "effective_at"),)


class CatalogChange(Model):
    """K-4: the audit trail of every operator change to the catalog (before/after as JSON)."""

    id: int = fields.BigIntField(primary_key=True)
    at = fields.DatetimeField()
    operator = fields.CharField(max_length=64)
    kind = fields.CharField(max_length=32)
    subject = fields.CharField(max_length=200)
    before: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)
    after: fields.JSONField[dict[str, Any] | None] = fields.JSONField(null=True)

    class Meta:
        table = "catalog_change"


class Rate(Model):
    """Postpaid rates and usage weights (M-2…M-4): `amount_fen` per `per_units`."""

    code = fields.CharField(max_length=32, primary_key=True)
    amount_fen: int = fields.BigIntField()
    per_units = fields.IntField(default=1)
    description = fields.CharField(max_length=200)

    class Meta:
        table = "catalog_rate"


class UsageWeight(Model):
    """Standard minutes per minute of each usage kind (M-2)."""

    kind = fields.CharField(max_length=16, primary_key=True)
    weight = fields.IntField()

    class Meta:
        table = "catalog_usage_weight"
