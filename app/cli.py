"""`python -m app …`: serve, worker, migrate, seed, setup, create-operator-token, audit, demo, run.

The composition root: it wires the commands to the modules that do the work (app.setup, the
process supervisor app.supervisor, app.server, workers) and nothing imports it back. Each command
imports what it needs when it runs, so `worker` does not load the web stack and the other way round.
"""

import argparse
import asyncio
import sys


def _run(coro):
    return asyncio.run(coro)


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


# H-3 (issue 16): the server closes an idle keep-alive connection only after 75 s (nginx's
# default), longer than common clients and proxies keep one idle (httpx and Node 5 s, browsers and
# load balancers ~60 s), so a client never reuses a connection at the instant the server closes it.
# uvicorn's default of 5 s raced httpx's 5 s ("Server disconnected without sending a response").
KEEP_ALIVE_SECONDS = 75


def serve(host: str, port: int, processes: int | None = None) -> None:
    import uvicorn

    from app import logs
    from app.settings import get_settings

    logs.configure()  # JSON lines (O-2); uvicorn's loggers go through the same formatter
    # WEB_CONCURRENCY processes on one socket; each is stateless (state in PostgreSQL and Redis).
    # No uvicorn access log: the request log (app.logs.RequestLog) has one line per request, with more in it.
    uvicorn.run(
        "app.server:create_app",
        factory=True,
        host=host,
        port=port,
        log_level="info",
        lifespan="on",
        access_log=False,
        log_config=None,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        workers=max(1, processes or get_settings().web_concurrency),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app")
    sub = parser.add_subparsers(dest="command", required=True)
    p_serve = sub.add_parser("serve", help="serve the API")
    p_serve.add_argument("--host", default="127.0.0.1")
    p_serve.add_argument("--port", type=int, default=None)
    sub.add_parser("worker", help="run an arq worker")
    sub.add_parser("migrate", help="apply migrations")
    p_seed = sub.add_parser("seed", help="add the missing catalog rows (never overwrites an operator's change)")
    p_seed.add_argument("--reset", action="store_true", help="development: put the seeded catalog back")
    p_setup = sub.add_parser("setup", help="migrate, then seed")
    p_setup.add_argument("--reset", action="store_true", help="development: put the seeded catalog back")
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
        from app.setup import seed

        _run(seed(reset=args.reset))
    elif args.command == "setup":
        from app.setup import setup

        _run(setup(reset=args.reset))
    elif args.command == "create-operator-token":
        print(_run(_create_operator_token()))
    elif args.command == "audit":
        return _run(_audit())
    elif args.command == "demo":
        from app.demo import create_demo, print_demo

        print_demo(_run(create_demo()), get_settings().port)
    elif args.command == "run":
        from app.supervisor import run_everything

        return run_everything()
    return 0


if __name__ == "__main__":
    sys.exit(main())
