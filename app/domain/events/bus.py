"""Live delivery of committed events (V-1). The doors install a publisher (Redis pub/sub in the
server and the workers); the domain only says what was committed."""
from collections.abc import Awaitable, Callable

from app.domain.events.models import Event

Publisher = Callable[[Event], Awaitable[None]]
_publisher: Publisher | None = None


def install(publisher: Publisher | None) -> None:
    global _publisher
    _publisher = publisher


async def publish(event: Event) -> None:
    if _publisher is not None:
        await _publisher(event)
