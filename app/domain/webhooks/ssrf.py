"""W-7: where a webhook may be sent. `https://` only, and never to a host that resolves to a
loopback, private, link-local, multicast, reserved or unspecified address — checked when the
endpoint is saved and again before each attempt, since DNS answers change. WEBHOOKS_ALLOW_PRIVATE
lifts both rules (development and tests against a local receiver)."""

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from app.domain.codes import ErrorCode
from app.domain.errors import DomainError
from app.settings import get_settings

MAX_URL = 2048


def _refused(message: str) -> DomainError:
    return DomainError(ErrorCode.INVALID_WEBHOOK_URL, message, "url")


def allow_private() -> bool:
    return get_settings().webhooks_allow_private


def forbidden_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_multicast or ip.is_unspecified or ip.is_reserved


def parse(url: str) -> tuple[str, int]:
    """The URL's host and port, or INVALID_WEBHOOK_URL for a malformed or non-https URL."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL or any(c.isspace() for c in url):
        raise _refused(f"the URL must be an absolute https:// URL of at most {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refused("the URL is malformed")
    schemes = ("https", "http") if allow_private() else ("https",)
    if parts.scheme not in schemes:
        raise _refused("the URL must use https://")
    if not parts.hostname or parts.username or parts.password:
        raise _refused("the URL must name a host, without credentials")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def resolve(host: str, port: int) -> list[str]:
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        pass
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({info[4][0] for info in infos})


async def check(url: str, *, at_attempt: bool = False) -> None:
    """Refuse the URL (INVALID_WEBHOOK_URL) unless it may be called now. A name that does not
    resolve is accepted when saved (it may exist tomorrow) and fails the attempt itself."""
    host, port = parse(url)
    if allow_private():
        return
    try:
        addresses = await resolve(host, port)
    except OSError:
        if at_attempt:
            raise _refused(f"the host {host} does not resolve")
        return
    if any(forbidden_address(a) for a in addresses):
        raise _refused(f"the host {host} resolves to a loopback, private, link-local, multicast or unspecified address")
