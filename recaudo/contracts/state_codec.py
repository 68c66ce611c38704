"""How a debtor's state value is stored: JSON, deflated against a preset dictionary.

A state is ~600-1,000 bytes of JSON whose key names, enum values and epoch
timestamps repeat from debtor to debtor and inside one value. Raw deflate
(no zlib header or checksum) primed with ``_DICT_2``, typical states' JSON,
stores it in about a sixth of that (``_DICT_1``, one state's fragments, a
quarter), for ~7 µs more encode and ~1-2 µs more decode per debtor and batch
than the JSON alone (10-30 µs each way).

A stored value is either plain JSON (it starts with ``{``: older releases,
still read) or one marker byte naming the dictionary, then the deflate
stream. The dictionary is frozen once values use it: a better one is added
under a new marker, and the old marker stays readable. Every reader of raw
state goes through ``state_json`` (``DebtorState.decode``, the reports).
"""

from __future__ import annotations

import zlib

import orjson

from recaudo.foundation.errors import ModelStateError

# Frozen: values stored under marker 1 need exactly these bytes to decode.
# The likeliest fragments come last (deflate reaches them with shorter distances).
_DICT_1 = (
    b'"cv":{"aw":"plan","exp":17,"opts":[3,6],"pa":0,"pd":0,"pl":[],"task":"","td":17,"esc":"",'
    b'"pp":[],"kp":[],"kd":[],"pc":"whatsapp"},'
    b'"rem":{"arm":"holdout","strat":"","seg":"k1","cyc":"2025-","c":1,"l1":1,"l30":1,"f1":true,'
    b'"f30":true,"n":1,"amt":10000,"pts":[3,1]},'
    b'"pending":[{"cid":"","acct":"","ch":"voice","step":"early","due":17,"trigger":"fallback"}],'
    b'"opt_all":true,"promise_until":"2025-","promise_acct":"","name":"",'
    b'"flags":["dispute","bankruptcy","cease_and_desist"],"cred":"","ref":"","pref":"",'
    b'"status":"current","charged_off","rewarded":true,"rem":true,"kind":"reply",'
    b'"lang":"es","seg":"k0","arms":"AAAA",'
    b'{"tz":"America/New_York","jur":"US-","accounts":{"":{"status":"delinquent","dpd":3,'
    b'"due":10000,"bal":50000,"cur":"EUR","cycle":"2025-11-11","steps":["early","mid"]}},'
    b'"points":[{"ch":"email","addr":"@example.com","consent":true,"out":true,"bounced":true},'
    b'{"ch":"sms","addr":"+1","consent":true}],'
    b'"emitted":[{"cid":"","acct":"","ch":"sms","exp":17,"at":17}],'
    b'"history":[{"ch":"sms","at":17,"acct":""}],'
    b'"out":{"since":17,"arm":"champion","strat":"","bkt":"1-30","owed":10000,"cur":"USD",'
    b'"rec":0,"n":1,"by_ch":{"sms":1},"cost":0,"opt":true,"cmp":true,"prom":1,"kept":1,'
    b'"rpc":true,"cured":true},'
    b'"obs":[{"at":17,"ctx":"2.0.0.0._","t":true,"r0":0,"d0":10000}]}'
)

# Frozen: values stored under marker 2 need exactly these bytes to decode. Built
# from the JSON of simulated debtors' states (``recaudo backtest --simulate 1500
# --days 45 --seed 1``: greedily, the states that most shrank 300 others), then a
# state's structure in the encoder's key order, the likeliest fragments last.
# Most of its gain on simulated states is values the simulator repeats (the
# lender's name, references, addresses); the structure alone is what any
# lender's states share (``bench/README.md``).
_DICT_2 = (
    b'{"tz":"America/New_York","jur":"US-NY","seg":"s0","accounts":{"a1-0000996":{"status"'
    b':"delinquent","dpd":12,"due":33975,"bal":289310,"at":1774933299.849,"sk":"acct-1-000'
    b'0996-029","sdue":33975,"sbal":289310,"cycle":"2026-03-19","steps":["early"],"cred":"'
    b'Demo Lender","ref":"****0996","pref":"PAY-a1-0000996"}},"points":[{"ch":"sms","addr"'
    b':"+12122000996","consent":true,"cd":"2026-03-02"},{"ch":"whatsapp","addr":"+12122000'
    b'996","consent":true,"cd":"2026-03-02"},{"ch":"voice","addr":"+12122000996","consent"'
    b':true,"cd":"2026-03-02"}],"history":[{"ch":"sms","at":1774008000.0,"acct":"a1-000099'
    b'6"}],"arms":"oRAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAAAAA'
    b'AAAAAAAAAAAAAAAAA","out":{"since":1773982899.849,"arm":"champion","strat":"cadence-2'
    b'025q1","seg":"s0","bkt":"1-30","owed":33975,"cur":"USD","n":1,"by_ch":{"sms":1},"cos'
    b't":30},"name":"Debtor 996"}{"tz":"America/Lima","jur":"PE","lang":"es","seg":"s1","a'
    b'ccounts":{"a1-0000607":{"status":"settled","at":1773810296.404,"sk":"acct-1-0000607-'
    b'016","pids":["de5ee23fe6"],"cur":"PEN","cycle":"2025-12-13","steps":["late"],"cred":'
    b'"Demo Lender","ref":"****0607","pref":"PAY-a1-0000607"}},"points":[{"ch":"email","ad'
    b'dr":"d1-0000607@example.com","consent":true,"cd":"2026-03-02"},{"ch":"voice","addr":'
    b'"+12122000607","consent":true,"cd":"2026-03-02"}],"arms":"oRAAAAAAAAAAAAAAAAAAAAAAAA'
    b'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAA","out":{"since":17724'
    b'27896.404,"arm":"champion","strat":"cadence-2025q1","seg":"s1","bkt":"61-90","owed":'
    b'14119,"cur":"PEN","rec":167994,"n":1,"by_ch":{"email":1},"cost":1,"cured":true},"nam'
    b'e":"Debtor 607","cv":{"esc":"2025-12-13"}}{"tz":"America/Mexico_City","jur":"MX","la'
    b'ng":"es","seg":"s2","accounts":{"a1-0001477":{"status":"delinquent","dpd":71,"due":1'
    b'2494,"bal":52022,"at":1774933722.307,"sk":"acct-1-0001477-029","sdue":12494,"sbal":5'
    b'2022,"cur":"MXN","cycle":"2026-01-18","steps":["mid","late"],"cred":"Demo Lender","r'
    b'ef":"****1477","pref":"PAY-a1-0001477"}},"points":[{"ch":"sms","addr":"+12122001477"'
    b',"consent":true,"cd":"2026-03-01"},{"ch":"email","addr":"d1-0001477@example.com","co'
    b'nsent":true,"cd":"2026-03-01"},{"ch":"whatsapp","addr":"+12122001477","consent":true'
    b',"cd":"2026-03-01"},{"ch":"voice","addr":"+12122001477","consent":true,"cd":"2026-03'
    b'-01"}],"history":[{"ch":"sms","at":1774112400.0,"acct":"a1-0001477"}],"arms":"oRAAAA'
    b'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",'
    b'"out":{"since":1772428122.307,"arm":"challenger","strat":"cadence-2025q1","seg":"s2"'
    b',"bkt":"31-60","owed":12494,"cur":"MXN","n":2,"by_ch":{"sms":2},"cost":60},"name":"D'
    b'ebtor 1477"}{"tz":"America/Sao_Paulo","jur":"BR","lang":"pt","seg":"s3","accounts":{'
    b'"a1-0001360":{"status":"delinquent","dpd":17,"due":75381,"bal":283508,"at":177493337'
    b'4.889,"sk":"acct-1-0001360-029","sdue":75381,"sbal":283508,"cur":"BRL","cycle":"2026'
    b'-03-14","steps":["early","mid"],"cred":"Demo Lender","ref":"****1360","pref":"PAY-a1'
    b'-0001360"}},"points":[{"ch":"sms","addr":"+12122001360","consent":true,"cd":"2026-03'
    b'-02"},{"ch":"email","addr":"d1-0001360@example.com","consent":true,"cd":"2026-03-02"'
    b'},{"ch":"whatsapp","addr":"+12122001360","consent":true,"cd":"2026-03-02"},{"ch":"vo'
    b'ice","addr":"+12122001360","consent":true,"cd":"2026-03-02"}],"emitted":[{"cid":"5ee'
    b'1f69d94743645b3925212","acct":"a1-0001360","ch":"voice","exp":1774976405.0,"at":1774'
    b'890000.0}],"history":[{"ch":"voice","at":1774890000.0,"acct":"a1-0001360"}],"arms":"'
    b"oRAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAEAAAAAAAAAAAAAAAAAAAAA"
    b'AAAA","out":{"since":1773550974.889,"arm":"champion","strat":"cadence-2025q1","seg":'
    b'"s3","bkt":"1-30","owed":75381,"cur":"BRL","n":2,"by_ch":{"email":1,"voice":1},"cost'
    b'":121},"obs":[{"at":1774890000.0,"ctx":"2.1.1.0.s3","t":true,"r0":0,"d0":75381}],"na'
    b'me":"Debtor 1360"}{"cv":{"aw":"plan","opts":[3,6],"pp":[],"kp":[],"kd":[],"pc":"what'
    b'sapp"},"rem":{"arm":"holdout","seg":"k1","n":1,"amt":10000,"pts":[3,1]},"promise_unt'
    b'il":"2026-","opt_all":true,"flags":["dispute","bankruptcy","cease_and_desist"],"lang'
    b'":"es","name":"","cred":"","pref":"","charged_off":true,"pending":[{"cid":"","acct":'
    b'"","ch":"voice","step":"early","due":1796,"trigger":"fallback"}],{"tz":"America/New_'
    b'York","jur":"US","accounts":{"":{"status":"delinquent","dpd":1,"due":10000,"bal":500'
    b'00,"at":1796686321.2,"sk":"","sdue":10000,"sbal":50000,"cur":"EUR","cycle":"2026-12-'
    b'0","steps":["early","mid"]}},"points":[{"ch":"email","addr":"@example.com","consent"'
    b':true,"cd":"2026-12-0","out":true,"bounced":true},{"ch":"sms","addr":"+1","consent":'
    b'true,"cd":"2026-12-0"}],"emitted":[{"cid":"","acct":"","ch":"sms","exp":1796,"at":17'
    b'96}],"history":[{"ch":"sms","at":1796,"acct":""}],"out":{"since":1796,"arm":"champio'
    b'n","strat":"cadence-","bkt":"1-30","owed":10000,"cur":"USD","n":1,"by_ch":{"sms":1},'
    b'"rec":0,"cost":0,"opt":true,"cmp":true,"prom":1,"kept":1,"rpc":true,"cured":true},"o'
    b'bs":[{"at":1796,"ctx":"2.0.0.0._","t":true,"r0":0,"d0":10000}]}'
)

#: Marker byte -> (preset dictionary, window bits). Values are written with ``WRITE``.
# Raw deflate (negative wbits) in a 4 or 8 KiB window: the dictionary plus a
# state fit, and a small window and hash (memLevel 4) are much cheaper to set up
# per call than zlib's 32 KiB defaults. The compressor primed with the dictionary
# is built once and copied per value (copying skips hashing the dictionary again).
_DICTS = {1: (_DICT_1, -12), 2: (_DICT_2, -13)}
WRITE = 2

_PRIMED = zlib.compressobj(
    6, zlib.DEFLATED, _DICTS[WRITE][1], 4, zlib.Z_DEFAULT_STRATEGY, _DICTS[WRITE][0]
)
_MARK = bytes((WRITE,))


def pack_state(doc: bytes) -> bytes:
    """A state's JSON as stored: the marker, then the deflate stream."""
    c = _PRIMED.copy()
    return _MARK + c.compress(doc) + c.flush()


def state_json(raw: bytes) -> bytes:
    """The JSON of a stored state value, either form (see the module docstring)."""
    if not raw or raw[:1] == b"{":
        return raw
    known = _DICTS.get(raw[0])
    if known is None:
        raise ModelStateError(f"unknown state encoding {raw[0]}: written by a newer release?")
    zdict, wbits = known
    d = zlib.decompressobj(wbits, zdict=zdict)
    doc = d.decompress(raw[1:])
    if not d.eof:
        raise ModelStateError("truncated state value")
    return doc


def load_state(raw: bytes) -> object:
    """A stored state value as plain JSON data (for readers that need a field or two)."""
    return orjson.loads(state_json(raw))
