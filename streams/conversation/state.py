"""What the assistant remembers about one debtor, inside ``DebtorState``.

A handful of short, optional fields, omitted when empty (the debtor's whole
state must stay under a kilobyte): a question waiting for its answer (which
expires), the running promise's amount and what was paid toward it, the
plan's remaining instalments, and the open task that pauses automation
(with its due-by, for an answer that waits for the contact window).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from recaudo.contracts.events import Channel


class Conversation(BaseModel):
    model_config = ConfigDict(extra="ignore")

    aw: str | None = None  # awaiting an answer to: "plan" (which option?)
    exp: float = 0.0  # when that question lapses (epoch seconds)
    opts: list[int] = []  # plan options offered: instalment counts
    pa: int = 0  # amount of the running promise or instalment, minor units
    pd: int = 0  # paid toward it so far, minor units
    pl: list[int] = []  # plan after the running instalment: [instalments left, each, every_days]
    task: str | None = None  # open task id: automation paused until it closes
    td: float = 0.0  # that task's due-by (epoch seconds): a deferred handoff answer says it
    esc: str | None = None  # the delinquency cycle already escalated by policy (legal)
    pp: list[str] = []  # marks of the payments counted toward the running promise
    kp: list[str] = []  # marks of the payments that kept the last promise (no plan after it)
    kd: list[int] = []  # that kept promise: [date ordinal, amount], reopened by a reversal
    pc: Channel | None = None  # the channel the promise or plan came from: thanked there

    def ask(self, what: str, options: list[int], until: float) -> None:
        self.aw, self.opts, self.exp = what, options, until

    def awaiting(self, what: str, now: float) -> bool:
        return self.aw == what and now < self.exp

    def forget_question(self) -> None:
        self.aw, self.opts, self.exp = None, [], 0.0

    def promise(self, amount: int, plan: list[int], channel: Channel) -> None:
        """A new promise or plan runs: nothing paid toward it, the old one forgotten."""
        self.pa, self.pd, self.pl, self.pp, self.kp, self.kd = amount, 0, plan, [], [], []
        self.pc = channel

    def empty(self) -> bool:
        return self == Conversation()
