"""Channel providers (Twilio, SendGrid, Meta WhatsApp, ...): outbound send,
signed inbound webhooks, and the sandbox that speaks their wire formats.

"Channel" here means a contact medium and its provider, not a Faust channel.
``channels.dispatch`` sends a contact command at most once; ``channels.webhooks``
verifies and normalises what providers post back; ``channels.sandbox`` stands
in for the providers in tests and the demo.
"""

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from recaudo.channels.base import Provider, SendOutcome
    from recaudo.channels.breaker import Breakers, CircuitBreaker
    from recaudo.channels.credentials import ProviderCredentials
    from recaudo.channels.dedupe import Deduper
    from recaudo.channels.directory import ContactDirectory, ContactRef
    from recaudo.channels.dispatch.dispatcher import Dispatcher, DispatchResult
    from recaudo.channels.factory import build_providers
    from recaudo.channels.opt_out import detect_opt_out, detect_opt_out_all
    from recaudo.channels.ratelimit import Rate, RateLimiter
    from recaudo.channels.status_machine import StatusMachine

# Each name is imported on first use (PEP 562): the per-call commands that only
# render messages (`template preview`, `policy check`) do not load every
# provider's HTTP client (bench/cli_start.py).
_HOMES = {
    "Provider": "base",
    "SendOutcome": "base",
    "Breakers": "breaker",
    "CircuitBreaker": "breaker",
    "ProviderCredentials": "credentials",
    "Deduper": "dedupe",
    "ContactDirectory": "directory",
    "ContactRef": "directory",
    "Dispatcher": "dispatch.dispatcher",
    "DispatchResult": "dispatch.dispatcher",
    "build_providers": "factory",
    "detect_opt_out": "opt_out",
    "detect_opt_out_all": "opt_out",
    "Rate": "ratelimit",
    "RateLimiter": "ratelimit",
    "StatusMachine": "status_machine",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = [
    "Breakers",
    "CircuitBreaker",
    "ContactDirectory",
    "ContactRef",
    "Deduper",
    "DispatchResult",
    "Dispatcher",
    "Provider",
    "ProviderCredentials",
    "Rate",
    "RateLimiter",
    "SendOutcome",
    "StatusMachine",
    "build_providers",
    "detect_opt_out",
    "detect_opt_out_all",
]
