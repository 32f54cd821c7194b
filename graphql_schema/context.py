"""Per-request context: who calls, and the request's DataLoaders (created per request)."""

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import HTTPConnection

from app.domain.accounts.caller import Caller


@dataclass
class Context:
    connection: HTTPConnection | None
    caller: Caller | None
    loaders: dict[str, Any] = field(default_factory=dict)
    connection_params: dict | None = None  # graphql-transport-ws connection_init payload

    def loader(self, name: str, factory):
        """One DataLoader per name per request, so a batch never leaks across requests."""
        if name not in self.loaders:
            self.loaders[name] = factory()
        return self.loaders[name]
