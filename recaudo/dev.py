"""``recaudo dev``: the whole service on this machine, waiting for your own events.

The demo's stack (``stack.local_stack``: broker, a private Redis, the sandbox
providers, worker and web) with no simulator: nothing happens until you POST.
It prints where the API is, its key and a curl that posts a complete account
event, and runs until Ctrl-C, when it stops every process and removes its
Redis, broker and work folder.
"""

from __future__ import annotations

import asyncio
import errno
import shlex
import signal
import socket

import orjson

from recaudo.examples import EXAMPLES
from recaudo.foundation.errors import EmbeddedStackError
from recaudo.stack import Stack, local_stack


def curl_lines(stack: Stack, tenant: str) -> list[str]:
    """A curl posting the example account event (as ``tenant``), and one reading it back."""
    event = {**EXAMPLES["account"], "tenant_id": tenant}
    auth = f"Authorization: {stack.auth['Authorization']}"
    post = [
        "curl",
        "-sS",
        "-X",
        "POST",
        f"{stack.web_url}/v1/events",
        "-H",
        auth,
        "-H",
        "Content-Type: application/json",
        "-d",
        orjson.dumps(event).decode(),
    ]
    read = ["curl", "-sS", f"{stack.web_url}/v1/debtors/{event['debtor_id']}", "-H", auth]
    return [shlex.join(post), shlex.join(read)]


def banner(stack: Stack, tenant: str) -> str:
    url, key = stack.web_url, stack.api_key
    lines = [
        "Recaudo dev: broker, Redis, worker and web, no simulator; Ctrl-C stops and removes them",
        f"  web API   {url}",
        f"  API key   {key}  (tenant {tenant})",
        f"  /ops      {url}/ops#key={key}",
        f"  sandbox   {stack.sandbox.url}/_sandbox/messages  (the messages 'sent')",
        f"  broker    {stack.settings.broker_url}",
        f"  redis     {stack.settings.redis_url}",
        f"  logs      {stack.workdir}",
        "",
        "Post an event (one example per type: README, or `recaudo schema` under examples):",
        *(f"  {line}" for line in curl_lines(stack, tenant)),
        "",
    ]
    return "\n".join(lines)


def check_port_free(port: int) -> None:
    """Refuse a taken port before starting anything, with the flag that changes it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            raise EmbeddedStackError(f"port {port} is in use: pick another with --port") from None


async def run_dev(port: int, tenant: str, api_key: str, policy_dir: str | None) -> None:
    check_port_free(port)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)  # a Ctrl-C while starting also cleans up
    stack_cm = local_stack(
        web_port=port, policy_dir=policy_dir, log_format="console", tenant=tenant, api_key=api_key
    )
    async with stack_cm as stack:
        if not stop.is_set():
            print(banner(stack, tenant), flush=True)
            await stop.wait()
        print("stopping… (the dev Redis, broker and work folder are removed)", flush=True)
    print("stopped", flush=True)
