"""Tortoise migrations. A regular package (not a namespace one): several checkouts share one
editable install, and a namespace package would merge every checkout's migrations/ into one."""
