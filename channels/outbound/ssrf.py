"""Endpoint URLs may not reach inside our network (SSRF), checked twice.

At registration the URL is parsed and its host resolved; at delivery the
same rules run again, and the HTTP client resolves through ``GuardedResolver``
so the addresses checked are the addresses connected to (a DNS answer that
changed since registration, or rebinding between check and connect, is caught).
Loopback, link-local, private, shared, multicast and reserved ranges are refused
unless the operator allows them (``RECAUDO_WEBHOOK_ALLOW_PRIVATE``); plain
``http`` only with ``RECAUDO_WEBHOOK_ALLOW_HTTP``. Redirects are never followed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from recaudo.foundation.errors import UnsafeUrl

IP = ipaddress.IPv4Address | ipaddress.IPv6Address


def forbidden(ip: IP) -> bool:
    """Whether an address is inside (loopback, private, link-local, reserved...)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


class UrlGuard:
    def __init__(self, *, allow_http: bool = False, allow_private: bool = False) -> None:
        self.allow_http = allow_http
        self.allow_private = allow_private

    def check_syntax(self, url: str) -> str:
        """The URL's host, or ``UnsafeUrl`` for a scheme, credentials or literal address refused.

        A malformed URL (bracket, port, or a host IDNA cannot encode, as
        getaddrinfo would) is refused here too, so no caller sees ``ValueError``.
        """
        try:
            parts = urlsplit(url)
            _ = parts.port  # parsed on access: ValueError if not a number or out of range
        except ValueError as exc:
            raise UnsafeUrl(f"the URL is malformed: {exc}") from exc
        allowed = ("https", "http") if self.allow_http else ("https",)
        if parts.scheme not in allowed:
            raise UnsafeUrl(f"the URL must use {' or '.join(allowed)}")
        if not parts.hostname:
            raise UnsafeUrl("the URL has no host")
        if parts.username or parts.password:
            raise UnsafeUrl("the URL may not carry credentials")
        try:
            literal = ipaddress.ip_address(parts.hostname)
        except ValueError:
            try:
                parts.hostname.encode("idna")
            except UnicodeError as exc:
                raise UnsafeUrl(
                    f"{parts.hostname!r} is not a valid host name (a label empty or too long)"
                ) from exc
            return parts.hostname
        self.check_address(literal)
        return parts.hostname

    def check_address(self, ip: IP) -> None:
        if forbidden(ip) and not self.allow_private:
            raise UnsafeUrl(f"{ip} is a loopback, private, link-local or reserved address")

    async def check(self, url: str) -> None:
        """The full check: syntax, then every address the host resolves to."""
        host = self.check_syntax(url)
        port = urlsplit(url).port or 443
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (OSError, UnicodeError) as exc:  # UnicodeError: IDNA refuses the host
            raise UnsafeUrl(f"{host} does not resolve") from exc
        for info in infos:
            self.check_address(ipaddress.ip_address(info[4][0]))


class GuardedResolver(AbstractResolver):
    """aiohttp's resolver, refusing answers the guard refuses (checked at connect time)."""

    def __init__(self, guard: UrlGuard) -> None:
        self._guard = guard
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        for result in results:
            self._guard.check_address(ipaddress.ip_address(result["host"]))
        return results

    async def close(self) -> None:
        await self._inner.close()
