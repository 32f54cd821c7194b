"""`python -m app …`: serve, worker, migrate, seed, setup, create-operator-token, audit, demo, run."""
import argparse
import asyncio
import sys


def _run(coro):
    return asyncio.run(coro)


async def _setup(database_url: str | None = None) -> None:
    from app import db

    await db.migrate(database_url)
    await _seed(database_url)


async def _seed(database_url: str | None = None) -> None:
    from app import db
    from app.domain.catalog.seed import seed_catalog

    await db.init_db(database_url, pool_size=2)
    try:
        await seed_catalog()
    finally:
        await db.close_db()


async def _create_operator_token() -> str:
    from app import clock, db
    from app.domain.accounts import service as accounts

    await db.init_db(pool_size=2)
    try:
        return await accounts.issue_token(account_id=None, role="OPERATOR", scopes=None, now=await clock.now())
    finally:
        await db.close_db()


async def _audit() -> int:
    from app import db
    from app.domain.ledger import audit

    await db.init_db(pool_size=2)
    try:
        problems = await audit.problems()
    finally:
        await db.close_db()
    for p in problems:
        print(p)
    print("ledger audit: clean" if not problems else f"ledger audit: {len(problems)} problem(s)")
    return 1 if problems else 0


def serve(host: str, port: int) -> None:
    import uvicorn

    from app.server import create_app

    # No per-request access log: at thousands of requests a second it costs more than it tells.
    uvicorn.run(create_app(), host=host, port=port, log_level="info", lifespan="on", access_log=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the API")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=None)
    sub.add_parser("worker", help="run an arq worker")
    sub.add_parser("migrate", help="apply migrations")
    sub.add_parser("seed", help="seed or refresh the catalog")
    sub.add_parser("setup", help="migrate, then seed")
    sub.add_parser("create-operator-token", help="print a new OPERATOR token")
    sub.add_parser("audit", help="check the ledger (B-7)")
    sub.add_parser("demo", help="create a funded demo account and print a console sign-in link (sandbox)")
    sub.add_parser("run", help="everything `make run` needs: embedded services when unset, setup, API and worker")
    args = parser.parse_args(argv)

    from app.settings import get_settings

    if args.command == "serve":
        serve(args.host, args.port or get_settings().port)
    elif args.command == "worker":
        from workers.settings import run_worker

        run_worker()
    elif args.command == "migrate":
        from app import db

        _run(db.migrate())
    elif args.command == "seed":
        _run(_seed())
    elif args.command == "setup":
        _run(_setup())
    elif args.command == "create-operator-token":
        print(_run(_create_operator_token()))
    elif args.command == "audit":
        return _run(_audit())
    elif args.command == "demo":
        from app.demo import create_demo, print_demo

        print_demo(_run(create_demo()), get_settings().port)
    elif args.command == "run":
        from app.embedded import run_everything

        return run_everything()
    return 0


if __name__ == "__main__":
    sys.exit(main())
