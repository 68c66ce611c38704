"""``GET /docs``: the OpenAPI document and the error codes, as one page for people.

Rendered on the server from the served contract (``openapi.build_spec``) into
the packaged ``docs.html``: no script and no CDN, so it works offline and its
Content-Security-Policy allows only its one inline style. Each error code has
an anchor (``/docs#invalid_events``), which every error body's ``docs`` links to.
"""

from __future__ import annotations

from functools import cache
from html import escape
from pathlib import Path
from typing import Any

from aiohttp import web

from recaudo.web.openapi import build_spec
from recaudo.web.security import page_headers

DOCS_PAGE = Path(__file__).with_name("docs.html")
HEADERS = page_headers(DOCS_PAGE)
METHODS = ("get", "post", "put", "patch", "delete")


def _text(value: object) -> str:
    """Escaped, with the document's `code` spans kept as code."""
    parts = escape(str(value)).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    rows = [
        f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p['in'])}</td>"
        f"<td>{'required' if p.get('required') else 'optional'}</td></tr>"
        for p in op.get("parameters", [])
    ]
    params = (
        "<table><tr><th>Parameter</th><th>In</th><th></th></tr>" + "".join(rows) + "</table>"
        if rows
        else ""
    )
    answers = "".join(
        f"<tr><td><code>{escape(status)}</code></td><td>{_text(r['description'])}</td>"
        f"<td>{escape(', '.join(r.get('content', {})))}</td></tr>"
        for status, r in op["responses"].items()
    )
    return (
        f'<div class="op" id="{escape(op["operationId"])}">'
        f'<h3><span class="method">{method}</span><code>{escape(path)}</code></h3>'
        f"<p>{_text(op.get('summary', ''))}</p>"
        + (f"<p>{_text(op['description'])}</p>" if "description" in op else "")
        + params
        + "<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>"
        + answers
        + "</table></div>"
    )


@cache
def render() -> bytes:
    spec = build_spec()
    info = spec["info"]
    codes = "".join(
        f'<tr id="{escape(code)}"><td><code>{escape(code)}</code></td>'
        f"<td>{entry['status']}</td><td>{_text(entry['description'])}</td></tr>"
        for code, entry in spec["x-error-codes"].items()
    )
    operations = "".join(
        _operation(path, method, item[method])
        for path, item in spec["paths"].items()
        for method in METHODS
        if method in item
    )
    content = (
        f"<h1>{escape(info['title'])} {escape(info['version'])}</h1>"
        '<p>The machine-readable contract: <a href="/v1/openapi.json">/v1/openapi.json</a> '
        "(OpenAPI 3.1, with every request and response schema).</p>"
        f'<h2 id="errors">Errors</h2><p>{_text(info["description"])}</p>'
        "<table><tr><th>Code</th><th>Status</th><th>Meaning</th></tr>"
        + codes
        + '</table><h2 id="routes">Routes</h2>'
        + operations
    )
    return DOCS_PAGE.read_bytes().replace(b"<!-- CONTENT -->", content.encode())


async def get_docs(_request: web.Request) -> web.Response:
    return web.Response(body=render(), content_type="text/html", charset="utf-8", headers=HEADERS)
