"""Issue 10 / K-4: a catalog version that moves with every write to the catalog, in the writing
transaction itself (a statement-level trigger on each catalog table): the in-process catalog
snapshot (app/domain/catalog/snapshot.py) is valid exactly while it is unchanged. Whoever
writes — an operator mutation, the seed, `--reset`, a hand-written UPDATE — moves it; nothing
can forget to."""

from tortoise import migrations
from tortoise.migrations import operations as ops

CATALOG_TABLES = (
    "catalog_component",
    "catalog_edition",
    "catalog_feature",
    "catalog_edition_feature",
    "catalog_campaign",
    "catalog_price_change",
)

SQL = [
    "CREATE TABLE IF NOT EXISTS catalog_version (id SMALLINT PRIMARY KEY CHECK (id = 1), v BIGINT NOT NULL)",
    "INSERT INTO catalog_version (id, v) VALUES (1, 0) ON CONFLICT (id) DO NOTHING",
    """CREATE OR REPLACE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET v = v + 1 WHERE id = 1;
    RETURN NULL;
END $$""",
    *(
        f"CREATE OR REPLACE TRIGGER {table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION bump_catalog_version()"
        for table in CATALOG_TABLES
    ),
]
REVERSE = [
    *(f"DROP TRIGGER IF EXISTS {table}_version ON {table}" for table in CATALOG_TABLES),
    "DROP FUNCTION IF EXISTS bump_catalog_version()",
    "DROP TABLE IF EXISTS catalog_version",
]


class Migration(migrations.Migration):
    dependencies = [("models", "0008_money_fks_restrict")]

    initial = False

    operations = [ops.RunSQL(SQL, reverse_sql=REVERSE)]
