"""Headless Chromium driven over the DevTools protocol: open a page at a width,
run JavaScript in it, wait for what it shows, take a full-page screenshot."""

from __future__ import annotations

import asyncio
import base64
import itertools
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp

from recaudo.embedded import free_port

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


class Page:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, width: int) -> None:
        self._ws = ws
        self._ids = itertools.count(1)
        self.width = width

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        msg_id = next(self._ids)
        await self._ws.send_json({"id": msg_id, "method": method, "params": params})
        while True:
            reply = await self._ws.receive_json(timeout=60)
            if reply.get("id") == msg_id:
                assert "error" not in reply, reply
                return dict(reply["result"])

    async def js(self, expression: str) -> Any:
        """The value of ``expression`` (awaited when it is a promise)."""
        result = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        assert "exceptionDetails" not in result, result
        return result["result"].get("value")

    async def wait(self, expression: str, timeout_s: float = 15.0) -> Any:
        """Poll until ``expression`` is truthy; its value."""
        deadline = asyncio.get_running_loop().time() + timeout_s
        while True:
            value = await self.js(expression)
            if value:
                return value
            assert asyncio.get_running_loop().time() < deadline, f"never true: {expression}"
            await asyncio.sleep(0.1)

    async def open(self, url: str) -> None:
        await self.call("Page.navigate", url=url)
        await self.wait("location.href.startsWith('http') && document.readyState == 'complete'")

    async def screenshot(self, path: Path, height: int | None = None) -> int:
        """A PNG of the page's top ``height`` CSS px (all of it by default) at ``path``;
        the height taken."""
        whole = int(await self.js("document.documentElement.scrollHeight"))
        height = min(height or whole, whole)
        png = await self.call(
            "Page.captureScreenshot",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
        )
        await asyncio.to_thread(path.write_bytes, base64.b64decode(png["data"]))
        return height


@asynccontextmanager
async def chromium_page(width: int, height: int = 900) -> AsyncIterator[Page]:
    """A fresh headless Chromium (own profile) with one page ``width`` CSS px wide."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium missing: `make system-deps` installs Debian's chromium"
    port = free_port()
    # Chromium's helper processes may still write the profile as it exits.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        proc = await asyncio.create_subprocess_exec(
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--remote-debugging-port={port}",
            f"--window-size={width},{height}",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with aiohttp.ClientSession() as http:
                pages: list[dict[str, Any]] = []
                for _ in range(200):
                    try:
                        async with http.get(f"http://127.0.0.1:{port}/json/list") as resp:
                            pages = [t for t in await resp.json() if t["type"] == "page"]
                        if pages:
                            break
                    except aiohttp.ClientError:
                        pass
                    await asyncio.sleep(0.1)
                assert pages, "chromium opened no page"
                async with http.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                    page = Page(ws, width)
                    await page.call(
                        "Emulation.setDeviceMetricsOverride",
                        width=width,
                        height=height,
                        deviceScaleFactor=1,
                        mobile=width < 700,
                    )
                    yield page
        finally:
            proc.terminate()
            await proc.wait()
