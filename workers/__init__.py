"""arq workers: thin tasks that call app/domain (see workers/settings.py)."""
