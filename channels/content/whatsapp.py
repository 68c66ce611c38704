"""WhatsApp Cloud API approved-template messages.

Business-initiated conversations must use a template Meta approved; we send
its name, language code and the body's ``{{1}}``... parameters as ``text``
parameters of a ``body`` component, the shape Meta documents for
``POST /{phone-number-id}/messages`` with ``"type": "template"``. Meta rejects
a text parameter with newlines, tabs or more than four consecutive spaces
(error 132018), so parameters are flattened here.
"""

from __future__ import annotations

import re
from typing import Any

_RUNS = re.compile(r"\s+")


def language_code(language: str, override: str | None = None) -> str:
    """Meta's codes use an underscore: ``es-MX`` -> ``es_MX``, ``es`` stays ``es``."""
    return override or language.replace("-", "_")


def parameter(value: str) -> dict[str, str]:
    return {"type": "text", "text": _RUNS.sub(" ", value).strip()}


def body_components(values: list[str]) -> tuple[dict[str, Any], ...]:
    return ({"type": "body", "parameters": [parameter(v) for v in values]},)


def template_payload(
    to: str, name: str, language: str, components: tuple[dict[str, Any], ...]
) -> dict[str, Any]:
    """The request body of a template message (without our callback data)."""
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
        "type": "template",
        "template": {
            "name": name,
            "language": {"code": language},
            "components": list(components),
        },
    }
