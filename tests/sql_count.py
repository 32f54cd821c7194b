"""Counting the SQL statements an operation sends (Saleor's `count_queries` idea).

asyncpg's query loggers see every statement a connection sends (BEGIN and COMMIT included); the
context manager attaches one to every connection of Tortoise's pool, those that exist and those
opened while it runs."""

from contextlib import asynccontextmanager

from tortoise import connections


@asynccontextmanager
async def count_statements():
    pool = connections.get("default")._pool
    seen: list[str] = []

    def logger(record) -> None:
        seen.append(record.query)

    attached = []

    def attach(con) -> None:
        con.add_query_logger(logger)
        attached.append(con)

    for holder in pool._holders:
        if holder._con is not None:
            attach(holder._con)
    pool_class = type(pool)
    original = pool_class._get_new_connection

    async def new_connection(self):
        con = await original(self)
        if self is pool:
            attach(con)
        return con

    pool_class._get_new_connection = new_connection  # the pool has __slots__: patched on its class
    try:
        yield seen
    finally:
        pool_class._get_new_connection = original
        for con in attached:
            con.remove_query_logger(logger)
