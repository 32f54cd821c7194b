"""Tortoise migrations. A regular package, not a namespace one: a namespace package would merge
every `migrations/` directory on sys.path (another checkout installed in editable mode included)
and apply its migrations too."""
