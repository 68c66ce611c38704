"""The stored form of a debtor's state: deflated with a frozen dictionary, old JSON still read."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from recaudo.contracts.events import AccountStatus, Channel
from recaudo.contracts.state import (
    AccountState,
    Emitted,
    HistoryEntry,
    OutcomeSummary,
    PendingContact,
    PointState,
    RollSummary,
    UpliftOpen,
)
from recaudo.contracts.state_codec import load_state, state_json
from recaudo.foundation.errors import ModelStateError
from recaudo.streams.conversation.state import Conversation
from recaudo.streams.state import DebtorState

# Written by this release under marker 1: decoding it pins the dictionary's bytes.
GOLDEN = bytes.fromhex(
    "0183a645d7d2a2fc82547ddfc494226040c312a26b305a3a74342490124d0ca049d1c81491142d09244503135d03"
    "2c49119c0831a2119e0ac1de3531037ac4c2c040cf14e81700"
)
GOLDEN_JSON = (
    b'{"tz":"Europe/Madrid","jur":"ES","accounts":{"A1":{"status":"delinquent","dpd":40,'
    b'"due":25000,"bal":90000,"cur":"EUR","cycle":"2025-04-01","steps":["early"]}},'
    b'"history":[{"ch":"email","at":1746100800.5}]}'
)
NOW = 1796232006.732051


def busy() -> DebtorState:
    """A debtor with every part of the state in use."""
    return DebtorState(
        tz="America/Chicago",
        jur="US-MA",
        lang="es",
        seg="k2",
        accounts={
            "A-1": AccountState(
                status=AccountStatus.DELINQUENT,
                days_past_due=45,
                due=12_345,
                bal=99_000,
                cycle="2026-11-11",
            )
        },
        points=[PointState(ch=Channel.SMS, addr="+16175550100", consent=True)],
        promise_until=dt.date(2026, 12, 1),
        pending=[
            PendingContact(
                contact_id="c" * 24, account_id="A-1", ch=Channel.EMAIL, step="mid", due=NOW
            )
        ],
        emitted=[
            Emitted(contact_id="d" * 24, account_id="A-1", ch=Channel.SMS, exp=NOW + 86400, at=NOW)
        ],
        history=[HistoryEntry(ch=Channel.SMS, at=NOW, account_id="A-1")],
        arms="AAECAwQF",
        out=OutcomeSummary(since=NOW, arm="champion", owed=12_345, n=1, by_ch={"sms": 1}),
        obs=[UpliftOpen(at=NOW, ctx="2.0.0.0._", t=True, r0=0, d0=12_345)],
        name="Ana María",
        conversation=Conversation(aw="plan", exp=NOW, opts=[3, 6]),
        rem=RollSummary(arm="holdout", cyc="2026-12-01", c=1, pts=[3]),
    )


def test_a_state_round_trips_through_its_stored_form() -> None:
    state = busy()
    stored = state.encode()
    assert stored[:1] == b"\x01"
    assert DebtorState.decode(stored) == state
    assert len(stored) < len(state.to_json()) // 2


def test_plain_json_of_older_releases_still_decodes() -> None:
    state = busy()
    old = orjson.dumps(state.model_dump(mode="json", exclude_defaults=True))
    assert DebtorState.decode(old) == state
    assert state_json(old) == old
    assert DebtorState.decode(b"") == DebtorState() == DebtorState.decode(None)


def test_values_written_under_marker_1_decode_for_good() -> None:
    assert state_json(GOLDEN) == GOLDEN_JSON
    assert load_state(GOLDEN) == orjson.loads(GOLDEN_JSON)


def test_an_unknown_marker_or_a_cut_value_is_an_error_not_a_blank_state() -> None:
    with pytest.raises(ModelStateError, match="unknown state encoding"):
        state_json(b"\x09" + GOLDEN[1:])
    with pytest.raises(ModelStateError, match="truncated"):
        state_json(GOLDEN[:-8])
