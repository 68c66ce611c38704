"""Stopping what must not be sent: pending contacts leave the schedule with a
cancel record; contacts already handed to dispatch are asked after in the
dispatch ledger (``Effects.cancel_emitted``)."""

from __future__ import annotations

from collections.abc import Callable

from recaudo.contracts.events import Channel
from recaudo.contracts.outputs import Action, Reason
from recaudo.contracts.schedule import Entry
from recaudo.contracts.state import Emitted, PendingContact
from recaudo.rules.reminder_policy import is_reminder
from recaudo.streams.decision.context import Context, Effects
from recaudo.streams.decision.log import DecisionLog
from recaudo.streams.state import DebtorState


class Cancellations:
    def __init__(self, log: DecisionLog) -> None:
        self._log = log

    def drop_pending(
        self,
        state: DebtorState,
        contact_id: str,
        ctx: Context,
        fx: Effects,
        keep_schedule: bool = False,
    ) -> None:
        """Forget a pending contact without a record (it is decided otherwise now)."""
        before = len(state.pending)
        state.pending = [p for p in state.pending if p.contact_id != contact_id]
        if len(state.pending) != before and not keep_schedule:
            fx.schedule_remove.append(Entry(ctx.tenant_id, ctx.debtor_id, contact_id, "contact"))

    def where(
        self,
        state: DebtorState,
        matches: Callable[[str | None, Channel | None], bool],
        reasons: tuple[Reason, ...],
        ctx: Context,
        fx: Effects,
    ) -> None:
        """Cancel every pending or emitted contact whose (account, channel) matches."""
        keep: list[PendingContact] = []
        for pending in state.pending:
            if not matches(pending.account_id, pending.ch):
                keep.append(pending)
                continue
            fx.schedule_remove.append(
                Entry(ctx.tenant_id, ctx.debtor_id, pending.contact_id, "contact")
            )
            fx.decisions.append(
                self._log.record(
                    ctx,
                    Action.CANCEL,
                    reasons,
                    account_id=pending.account_id,
                    contact_id=pending.contact_id,
                    channel=pending.ch,
                    purpose="reminder" if is_reminder(pending.step) else "collection",
                )
            )
        state.pending = keep
        still: list[Emitted] = []
        for emitted in state.emitted:
            # Past its expiry the ledger may have forgotten it (a wall TTL): only a
            # contact that can still be waiting is asked after.
            if matches(emitted.account_id, emitted.ch) and emitted.exp > ctx.now.timestamp():
                fx.cancel_emitted.append((emitted, reasons))
            else:
                still.append(emitted)
        state.emitted = still

    def account(
        self,
        state: DebtorState,
        account_id: str,
        reasons: tuple[Reason, ...],
        ctx: Context,
        fx: Effects,
    ) -> None:
        self.where(state, lambda acct, _ch: acct == account_id, reasons, ctx, fx)

    def channel(
        self,
        state: DebtorState,
        channel: Channel,
        reasons: tuple[Reason, ...],
        ctx: Context,
        fx: Effects,
    ) -> None:
        self.where(state, lambda _acct, ch: ch == channel, reasons, ctx, fx)

    def all(
        self, state: DebtorState, reasons: tuple[Reason, ...], ctx: Context, fx: Effects
    ) -> None:
        self.where(state, lambda _acct, _ch: True, reasons, ctx, fx)
