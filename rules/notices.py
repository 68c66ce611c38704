"""Content the law requires a collection message to carry, as rules with citations.

A notice is checked on the rendered text: the template must include the
tenant's notice text (``{{ notices.opt_out }}``) for that language and channel.
A message missing one is never sent; the decision names the rule. Where we
could not verify the statute text, or we go beyond it, the rule is labelled
``policy_default`` and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from recaudo.contracts.events import Channel
from recaudo.rules.rule import Rule

ELECTRONIC = frozenset({Channel.SMS, Channel.EMAIL, Channel.WHATSAPP})
ALL = frozenset(Channel)


@dataclass(frozen=True, slots=True)
class Notice:
    """``key`` names the notice text in the policy's ``[notices]`` table."""

    rule: Rule
    key: str
    channels: frozenset[Channel]
    third_party_only: bool = False


US_OPT_OUT = Notice(
    Rule(
        "notice.us.opt_out",
        "12 CFR 1006.6(e): an electronic communication must include a clear and "
        "conspicuous statement describing a reasonable and simple method to opt out "
        "of further electronic communications to that address or number",
        "2021-11-30",
        kind="law",
    ),
    "opt_out",
    ELECTRONIC,
)
US_DEBT_COLLECTOR = Notice(
    Rule(
        "notice.us.debt_collector",
        "12 CFR 1006.18(e)(1)-(2): the initial communication discloses that the debt "
        "collector is attempting to collect a debt and that information obtained will be "
        "used for that purpose; each subsequent one that it is from a debt collector "
        "(required only of third-party collectors: policy flag sender.third_party_collector)",
        "2021-11-30",
        kind="law",
    ),
    "debt_collector",
    ALL,
    third_party_only=True,
)
BR_CREDITOR = Notice(
    Rule(
        "notice.br.creditor_identity",
        "Lei 8.078/1990 (CDC) art. 42-A, added by Lei 12.039/2009: collection documents "
        "state the supplier's name, address and CPF/CNPJ. Applying it to e-mail is our "
        "reading; the official text was not re-verified here (policy)",
        "2009",
        kind="policy_default",
    ),
    "creditor_identity",
    frozenset({Channel.EMAIL}),
)
_CL_CITATION = (
    "Ley 19.496 art. 37 as amended by Ley 21.062 (2018), per secondary sources: at the start "
    "of each extrajudicial collection step the consumer is told who the creditor is, and that "
    "the step is not a procedure to execute the debtor's assets; official text not verified "
    "here (policy)"
)
CL_COLLECTION = Notice(
    Rule("notice.cl.cobranza_info", _CL_CITATION, "2018", kind="policy_default"),
    "creditor_identity",
    ALL,
)
CL_NOT_EXECUTION = Notice(
    Rule("notice.cl.not_execution", _CL_CITATION, "2018", kind="policy_default"),
    "not_execution",
    ALL,
)
MX_DESPACHO = Notice(
    Rule(
        "notice.mx.despacho_identity",
        "CONDUSEF, Disposiciones de carácter general aplicables a las entidades financieras "
        "en materia de Despachos de Cobranza (DOF 2014-10-07, under LTOSF art. 17 Bis 4), per "
        "secondary sources: a collection agency identifies itself (name, address, telephone), "
        "the lending institution, the debt's amount and date of calculation. Article number "
        "and current text not verified here (policy)",
        "2014-10-07",
        kind="policy_default",
    ),
    "collector_identity",
    ALL,
    third_party_only=True,
)
IDENTIFY_CREDITOR = Notice(
    Rule(
        "notice.policy.creditor_identity",
        "Tenant policy default: every message names the creditor. We found no message-content "
        "rule in Ley 2300 de 2023 (CO: channels, hours, frequency) nor a verified one for MX "
        "(CONDUSEF collection rules) or PE (Ley 29571 art. 62: prohibited practices)",
        "1",
        kind="policy_default",
    ),
    "creditor_identity",
    ALL,
)

#: Country (ISO 3166-1) -> the notices its messages need.
NOTICES: dict[str, tuple[Notice, ...]] = {
    "US": (US_OPT_OUT, US_DEBT_COLLECTOR),
    "BR": (BR_CREDITOR,),
    "CL": (CL_COLLECTION, CL_NOT_EXECUTION),
    "CO": (IDENTIFY_CREDITOR,),
    "MX": (IDENTIFY_CREDITOR, MX_DESPACHO),
    "PE": (IDENTIFY_CREDITOR,),
}


_CA_1788 = (
    "Cal. Civ. Code 1788.14(d){n}: a written communication to collect a time-barred debt "
    'carries the notice "The law limits how long you can be sued on a debt. Because of the '
    'age of your debt, we will not sue you for it{rest}"'
)
CA_TIME_BARRED = Notice(
    Rule(
        "notice.us-ca.time_barred",
        _CA_1788.format(
            n="(1)",
            rest=". If you do not pay the debt, [collector] may [continue to] report it to the "
            "credit reporting agencies as unpaid for as long as the law permits this reporting.",
        ),
        "2019-01",
        kind="law",
    ),
    "time_barred_ca",
    ELECTRONIC,
)
CA_TIME_BARRED_OBSOLETE = Notice(
    Rule(
        "notice.us-ca.time_barred_obsolete",
        _CA_1788.format(
            n="(2), past the FCRA obsolescence date (15 U.S.C. 1681c(a), (c))",
            rest=", and we will not report it to any credit reporting agency.",
        ),
        "2019-01",
        kind="law",
    ),
    "time_barred_ca_obsolete",
    ELECTRONIC,
)
NY_TIME_BARRED = Notice(
    Rule(
        "notice.us-ny.time_barred",
        "23 NYCRR 1.3(b)-(c): before accepting payment on a debt whose statute of limitations "
        "may be expired, a third-party collector or debt buyer gives clear and conspicuous notice, "
        "in the medium payment is taken, of the five facts of 1.3(b); after CPLR 214-i (2022) a "
        "payment no longer revives it (DFS industry letter 2022-04-07): the tenant's text says so",
        "2022-04",
        kind="law",
    ),
    "time_barred_ny",
    ELECTRONIC,
    third_party_only=True,
)
TX_TIME_BARRED = Notice(
    Rule(
        "notice.us-tx.time_barred",
        "Tex. Fin. Code 392.307 (HB 996, 2019), per secondary sources: a debt buyer's written "
        "communication on a debt past its limitations period says it cannot sue for it; "
        "official text not verified here (policy)",
        "2019-09",
        kind="policy_default",
    ),
    "time_barred_tx",
    ELECTRONIC,
    third_party_only=True,
)

#: Jurisdiction (with subdivision) -> the disclosures a message about a time-barred
#: debt must carry, the first for a debt still reportable, the second (if any) once
#: past the credit-reporting obsolescence date.
TIME_BARRED: dict[str, tuple[Notice, Notice]] = {
    "US-CA": (CA_TIME_BARRED, CA_TIME_BARRED_OBSOLETE),
    "US-NY": (NY_TIME_BARRED, NY_TIME_BARRED),
    "US-TX": (TX_TIME_BARRED, TX_TIME_BARRED),
}


def required_notices(
    jurisdiction: str,
    channel: Channel,
    third_party_collector: bool,
    time_barred: bool = False,
    obsolete: bool = False,
) -> tuple[Notice, ...]:
    """The notices a message on ``channel`` to a debtor in ``jurisdiction`` must carry;
    for a time-barred debt, the state's disclosure too (``obsolete``: past the FCRA
    reporting period, where the state's text differs)."""
    found = NOTICES.get(jurisdiction.split("-")[0], ())
    if time_barred and jurisdiction in TIME_BARRED:
        found += (TIME_BARRED[jurisdiction][obsolete],)
    return tuple(
        n
        for n in found
        if channel in n.channels and (third_party_collector or not n.third_party_only)
    )
