"""What every adapter shares: the HTTP call and its error mapping, message text.

The mapping is the retry policy's input, so it lives in one place: transport
errors, timeouts, 5xx and 429 are retryable; the adapter decides what a 4xx
means for its provider (an invalid address is an outcome, bad credentials
an error).
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import aiohttp
import orjson

from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.errors import RetryableProviderError

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Characters of a ref token left as they are in a query: HTTP clients and proxies
# re-encode "%2F" and friends differently, which would break URL signatures.
REF_SAFE = "/:@"


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    text: str
    html: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    # BCP 47 language for text-to-speech.
    language: str | None = None


Renderer = Callable[[ContactCommand], Message]


def default_renderer(command: ContactCommand) -> Message:
    """The content rendered at decision time; a command from before content existed
    (no ``content``) still gets the old placeholder rather than failing."""
    content = command.content
    if content is None:
        return Message(subject=command.template, text=f"[{command.template}/{command.language}]")
    return Message(
        subject=content.subject or command.template,
        text=content.text,
        html=content.html,
        headers=dict(content.headers),
        language=content.tts_language,
    )


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    headers: Mapping[str, str]
    body: bytes

    def json(self) -> Any:
        try:
            return orjson.loads(self.body) if self.body else {}
        except orjson.JSONDecodeError:
            return {}


async def call(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    timeout_s: float,
    **kwargs: Any,
) -> Reply:
    """One HTTP request; raises ``RetryableProviderError`` where a retry may help."""
    try:
        async with session.request(
            method, url, timeout=aiohttp.ClientTimeout(total=timeout_s), **kwargs
        ) as resp:
            body = await resp.read()
            reply = Reply(resp.status, dict(resp.headers), body)
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RetryableProviderError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
    if reply.status >= 500 or reply.status == 429:
        raise RetryableProviderError(f"{method} {url}: HTTP {reply.status}")
    return reply


def basic_auth(username: str, password: str) -> str:
    """An HTTP Basic ``Authorization`` value (aiohttp's BasicAuth is deprecated)."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def callback_url(base: str | None, provider: str, ref: str | None = None) -> str | None:
    """Our webhook URL for ``provider``, carrying the contact ref token when given."""
    if base is None:
        return None
    url = f"{base.rstrip('/')}/webhooks/{provider}"
    return url if ref is None else f"{url}?ref={quote(ref, safe=REF_SAFE)}"
