"""Response headers for the pages a browser renders (the operations page).

The page is static with one inline script and one inline style, so the
Content-Security-Policy allows exactly those by their SHA-256 and nothing
else runs; it may only talk to this origin. The page's URL fragment can carry
an API key, so no Referer leaves it and no other site may frame it.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

_INLINE = re.compile(rb"<(script|style)>(.*?)</\1>", re.S)


def _hash(content: bytes) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode() + "'"


def page_headers(page: Path) -> dict[str, str]:
    """Security headers for ``page``, its inline blocks allowed by hash."""
    blocks: dict[str, list[str]] = {"script": [], "style": []}
    for kind, content in _INLINE.findall(page.read_bytes()):
        blocks[kind.decode()].append(_hash(content))
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src " + (" ".join(blocks["script"]) or "'none'"),
            "style-src " + (" ".join(blocks["style"]) or "'none'"),
            "connect-src 'self'",
            "img-src 'self' data:",
            "base-uri 'none'",
            "form-action 'none'",
            "frame-ancestors 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-cache",
    }
