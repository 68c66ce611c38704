"""Channel providers (Twilio, SendGrid, Meta WhatsApp, ...): outbound send,
signed inbound webhooks, and the sandbox that speaks their wire formats.

"Channel" here means a contact medium and its provider, not a Faust channel.
``Dispatcher`` sends a contact command at most once; ``channels.webhooks``
verifies and normalises what providers post back; ``channels.sandbox`` stands
in for the providers in tests and the demo.
"""

from recaudo.channels.base import Provider, SendOutcome
from recaudo.channels.breaker import Breakers, CircuitBreaker
from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.dedupe import Deduper
from recaudo.channels.directory import ContactDirectory, ContactRef
from recaudo.channels.dispatcher import Dispatcher, DispatchResult
from recaudo.channels.factory import build_providers
from recaudo.channels.opt_out import detect_opt_out, detect_opt_out_all
from recaudo.channels.ratelimit import Rate, RateLimiter
from recaudo.channels.status_machine import StatusMachine

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
