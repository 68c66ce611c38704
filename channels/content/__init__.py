"""Message content: what a debtor reads or hears, rendered from tenant templates.

``render`` is the sandboxed Jinja2 + Babel core; ``sms``, ``email``,
``whatsapp`` and ``voice`` hold each channel's rules (segments, headers,
Meta components, TTS language); ``compose`` turns a decided contact into a
``MessageContent``; ``paylink`` signs the tracked payment links; ``check``
validates a policy's templates before deployment.
"""

from recaudo.channels.content.compose import Composer
from recaudo.channels.content.paylink import PayLinks, PayRecord, PayToken

__all__ = ["Composer", "PayLinks", "PayRecord", "PayToken"]
