"""E-mail headers a collection message needs.

RFC 8058 one-click unsubscribe: ``List-Unsubscribe`` carries an HTTPS URI
(and optionally a mailto, RFC 2369) and ``List-Unsubscribe-Post:
List-Unsubscribe=One-Click`` says a POST to it unsubscribes without further
steps. Large mailbox providers require both of bulk senders since 2024.
"""

from __future__ import annotations


def unsubscribe_headers(https_url: str, mailto: str | None = None) -> dict[str, str]:
    if not https_url.startswith("https://"):
        raise ValueError("RFC 8058 requires an HTTPS List-Unsubscribe URI")
    targets = [f"<{https_url}>"]
    if mailto:
        targets.append(f"<mailto:{mailto.removeprefix('mailto:')}>")
    return {
        "List-Unsubscribe": ", ".join(targets),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
