"""The decision stage's per-debtor state: the ground floor's ``DebtorStateBase``
(``contracts.state``, what the domains read of a debtor) with the reply
assistant's memory typed.

Only the decision stage and the assistant read ``conversation``; the learners and the
message composer take the base, so they need nothing from here.
"""

from __future__ import annotations

from pydantic import Field

from recaudo.contracts.state import DebtorStateBase
from recaudo.streams.conversation.state import Conversation


class DebtorState(DebtorStateBase):
    # The reply assistant's memory and the open task pausing automation (issue 11);
    # the field keeps the base's place in the stored JSON.
    conversation: Conversation | None = Field(None, alias="cv")
