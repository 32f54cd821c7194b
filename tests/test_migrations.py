"""Migrations: they build the whole schema on an empty database, and no model change lacks one.

The check runs in a subprocess: `app.db.migrate` and Tortoise's autodetector initialise Tortoise
themselves, and the test session's global Tortoise state (conftest `database`) must stay untouched.
"""

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg

from tests.conftest import DATABASE_URL

REPO = Path(__file__).resolve().parents[1]

# Prints {"tables": [...], "changes": [...]}: the tables the models need, and what
# `tortoise makemigrations` would write (empty when the migrations cover the models).
CHECK = r"""
import asyncio, json, sys

async def main(url):
    from app import db
    from tortoise.cli.cli import tortoise_cli_context
    from tortoise.migrations.autodetector import MigrationAutodetector

    await db.migrate(url)
    config = db.tortoise_config(url, pool_size=2)
    apps_config = config["apps"]
    async with tortoise_cli_context(config) as ctx:
        tables = set()
        for models in ctx.apps.values():
            for model in models.values():
                tables.add(model._meta.db_table)
                for name in model._meta.m2m_fields:
                    field = model._meta.fields_map[name]
                    if getattr(field, "through", None):
                        tables.add(field.through)
        writers = await MigrationAutodetector(ctx.apps, apps_config).changes()
        changes = [f"{w.app_label}: {op.describe()}" for w in writers for op in w.operations]
    print("RESULT " + json.dumps({"tables": sorted(tables), "changes": changes}))

asyncio.run(main(sys.argv[1]))
"""


def _with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(_with_db(DATABASE_URL, "postgres").replace("postgres://", "postgresql://", 1))


async def test_migrations_apply_to_empty_database_and_cover_models():
    name = f"{urlparse(DATABASE_URL).path.lstrip('/')}_migcheck"
    url = _with_db(DATABASE_URL, name)
    admin = await _admin()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", CHECK, url],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, f"migrating an empty database failed:\n{proc.stdout}\n{proc.stderr}"
        line = next(li for li in proc.stdout.splitlines() if li.startswith("RESULT "))
        result = json.loads(line.removeprefix("RESULT "))

        conn = await asyncpg.connect(url.replace("postgres://", "postgresql://", 1))
        try:
            rows = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        finally:
            await conn.close()
        present = {r["tablename"] for r in rows}
        assert "tortoise_migrations" in present
        absent = sorted(set(result["tables"]) - present)
        assert not absent, f"tables of models that the migrations do not create: {absent}"

        assert result["changes"] == [], (
            "the models have changes no migration covers; run `tortoise makemigrations` (or regenerate "
            "migrations/0001_initial.py before the first release) and commit it:\n  " + "\n  ".join(result["changes"])
        )
    finally:
        admin = await _admin()
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()
