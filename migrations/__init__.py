"""Tortoise migrations. A regular package (not a namespace one), so that a checkout never
picks up another checkout's migrations through an editable install."""
