"""W-7, O-2: secrets never appear in logs. Tortoise logs every statement with its parameters at
DEBUG, and the endpoint's secret is a parameter of its INSERT/UPDATE; this filter on the database
client's logger blanks any `whsec_…` value before a handler sees the record."""

import logging

PREFIX = "whsec_"
MASK = "whsec_[redacted]"


def _clean(value: object) -> object:
    if isinstance(value, str):
        return MASK if PREFIX in value else value
    if isinstance(value, (list, tuple)):
        return type(value)(_clean(v) for v in value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    return value


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_clean(v) for v in record.args)
        elif record.args:
            record.args = {k: _clean(v) for k, v in record.args.items()}
        if isinstance(record.msg, str) and PREFIX in record.msg:
            record.msg = MASK
        return True


def install() -> None:
    for name in ("tortoise.db_client", "tortoise"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
