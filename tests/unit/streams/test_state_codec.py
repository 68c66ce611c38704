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
from recaudo.contracts.state_codec import load_state, pack_state, state_json
from recaudo.foundation.errors import ModelStateError
from recaudo.streams.conversation.state import Conversation
from recaudo.streams.state import DebtorState

# Written under marker 1 (earlier releases): decoding it pins the first dictionary.
GOLDEN = bytes.fromhex(
    "0183a645d7d2a2fc82547ddfc494226040c312a26b305a3a74342490124d0ca049d1c81491142d09244503135d03"
    "2c49119c0831a2119e0ac1de3531037ac4c2c040cf14e81700"
)
GOLDEN_JSON = (
    b'{"tz":"Europe/Madrid","jur":"ES","accounts":{"A1":{"status":"delinquent","dpd":40,'
    b'"due":25000,"bal":90000,"cur":"EUR","cycle":"2025-04-01","steps":["early"]}},'
    b'"history":[{"ch":"email","at":1746100800.5}]}'
)
# The same JSON written under marker 2 (this release's): it pins the second dictionary.
GOLDEN_2 = bytes.fromhex(
    "0283a678d7d2a2fc82547ddfc49422707b1f92dc5dd193bba32181046f62004df146a688146f8937f59aea1a98"
    "801abc98e35da0848b11a9f0940bf6b0899921785847cf14e81700"
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
    assert stored[:1] == b"\x02"
    assert DebtorState.decode(stored) == state
    assert len(stored) < len(state.to_json()) // 2


def test_plain_json_of_older_releases_still_decodes() -> None:
    state = busy()
    old = orjson.dumps(state.model_dump(mode="json", exclude_defaults=True))
    assert DebtorState.decode(old) == state
    assert state_json(old) == old
    assert DebtorState.decode(b"") == DebtorState() == DebtorState.decode(None)


def test_values_written_under_either_marker_decode_for_good() -> None:
    for golden in (GOLDEN, GOLDEN_2):
        assert state_json(golden) == GOLDEN_JSON
        assert load_state(golden) == orjson.loads(GOLDEN_JSON)
    assert pack_state(GOLDEN_JSON) == GOLDEN_2


def test_the_second_dictionary_stores_a_debtor_in_fewer_bytes() -> None:
    """The worker's first contact of a debtor (the memory bench's state): 189 bytes
    under marker 1, from 709 of JSON."""
    doc = (
        b'{"tz":"Etc/GMT+12","jur":"US","accounts":{"A-mem-1":{"status":"delinquent","dpd":21,'
        b'"due":10000,"bal":50000,"at":1796686321.279593,"sk":"acct-mem-1-193785648987",'
        b'"sdue":10000,"sbal":50000,"cycle":"2026-11-16","steps":["mid"]}},"points":[{"ch":'
        b'"sms","addr":"+12123022106","consent":true,"cd":"2026-12-07"}],"emitted":[{"cid":'
        b'"32ddad3e8e318a02e07aaaee","acct":"A-mem-1","ch":"sms","exp":1796772721.287977,'
        b'"at":1796686321.287977}],"history":[{"ch":"sms","at":1796686321.287977,"acct":'
        b'"A-mem-1"}],"out":{"since":1796686321.279593,"arm":"champion","strat":'
        b'"cadence-2025q1","bkt":"1-30","owed":10000,"cur":"USD","n":1,"by_ch":{"sms":1}},'
        b'"obs":[{"at":1796686321.287977,"ctx":"2.0.0.0._","t":true,"r0":0,"d0":10000}]}'
    )
    stored = pack_state(doc)
    assert state_json(stored) == doc
    assert len(stored) <= 165, len(stored)


def test_an_unknown_marker_or_a_cut_value_is_an_error_not_a_blank_state() -> None:
    with pytest.raises(ModelStateError, match="unknown state encoding"):
        state_json(b"\x09" + GOLDEN[1:])
    with pytest.raises(ModelStateError, match="truncated"):
        state_json(GOLDEN[:-8])
