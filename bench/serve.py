"""`python -m bench.serve --port N`: exactly `python -m app serve`, plus one guard.

Tortoise ORM 1.x keeps its connections in a context variable. uvicorn runs the lifespan (where
`app.db.init_db` calls `Tortoise.init`) in its own task, so request tasks see no Tortoise context
unless init enabled the global fallback (`Tortoise.init(..., _enable_global_fallback=True)`, what
`RegisterTortoise` does). When `app.db.init_db` does not, every database access of the served app
fails with "No TortoiseContext is currently active" (/healthz answers 503). This launcher then
publishes the context initialised by the lifespan as the global fallback, and says so on stderr
(the benchmark records it). Once app/db.py enables the fallback itself this is a no-op.
"""

import sys

from tortoise import context as tortoise_context

from app import db

_original_init_db = db.init_db


async def _init_db(database_url: str | None = None, pool_size: int | None = None) -> None:
    await _original_init_db(database_url, pool_size)
    if tortoise_context._global_context is None:
        current = tortoise_context.get_current_context()
        if current is not None:
            tortoise_context.set_global_context(current)
            print(
                "bench.serve: app.db.init_db left no global Tortoise context; published it "
                "(served requests could not reach the database otherwise)",
                file=sys.stderr,
                flush=True,
            )


db.init_db = _init_db

if __name__ == "__main__":
    from app.cli import main

    sys.exit(main(["serve", *sys.argv[1:]]))
