"""The FCC Reassigned Numbers Database: has a number been disconnected since consent?

``base`` is the port (``ReassignedNumbers``), ``rnd`` the HTTP client for the
database's API, ``cache`` the per-number cache on the injected clock that asks
only when its last answer no longer covers the consent date. The dispatcher asks
it before each call or text (``channels.dispatch.dispatcher``); the same answer, as
``ContactProposal.reassigned_check``, is what ``recaudo check-contact`` judges.
"""

from recaudo.channels.reassigned.base import ReassignedNumbers
from recaudo.channels.reassigned.cache import ReassignedCache
from recaudo.channels.reassigned.rnd import RndClient

__all__ = ["ReassignedCache", "ReassignedNumbers", "RndClient"]
