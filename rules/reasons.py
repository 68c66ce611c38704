"""A decision's rule ids in words, for the people who read the demo, logs and /ops.

Rule ids are stable codes for audits and programs (``co.ley2300.art3.horario``);
a manager needs what one means: "outside the hours the law allows". Exact ids
first, then the families the jurisdiction profiles name alike (every country's
hours rule ends in ``horario`` or ``hours``). ``describe`` answers None for an
id it has no words for; a contract test keeps every rule the code can give
covered.
"""

from __future__ import annotations

EXACT: dict[str, str] = {
    "account.new_cycle": "a new billing cycle replaced what was planned",
    "account.not_delinquent": "the account is not in arrears",
    "account.nothing_due": "nothing is due on the account",
    "assistant.no_account": "the reply matched no account to answer about",
    "assistant.promise_kept": "the debtor kept the promise to pay",
    "assistant.reply": "an answer to the debtor's message",
    "caps.answer_counted": "an answer to the debtor, counted against the caps",
    "caps.consumer_initiated": "an answer to the debtor, which the caps do not count",
    "channel.none_reachable": "no channel can reach the debtor",
    "content.no_channel": "the message has no text for this channel",
    "content.no_language": "the message has no text in the debtor's language",
    "content.no_template": "the policy has no such message",
    "content.render_error": "the message could not be written from its template",
    "content.sms_segments": "the SMS would be longer than the policy allows",
    "jurisdiction.unsupported": "no compliance rules for the debtor's jurisdiction",
    "opt_out.no_confirmation": "opted out: no confirmation is sent on that channel",
    "payment.covers_due": "a payment covered what was due",
    "plan.accepted": "the debtor accepted a payment plan",
    "plan.missed": "an instalment of the payment plan was missed: the plan ends",
    "promise.broken": "a promise to pay was not kept by its date",
    "promise.reopened": "a promise to pay was broken: collection resumes",
    "reminder.low_risk": "unlikely to miss the due date: no reminder needed",
    "reminder.not_needed": "no reminder needed",
    "reminder.scheduled": "a courtesy reminder before the due date",
    "strategy.best_hour": "waiting for the hour the debtor is likeliest to answer",
    "strategy.cadence": "the next step of the collection cadence",
    "strategy.capacity_sample": "sampled to learn what a contact is worth at this capacity",
    "strategy.chosen_hour": "the hour chosen for this debtor came",
    "strategy.contact": "the strategy expects this contact to pay",
    "strategy.daily_capacity": "today's contact capacity is used up",
    "strategy.debtor_budget": "this debtor's contact budget is spent",
    "strategy.holdout": "in the no-contact holdout that measures the strategy",
    "strategy.skip": "the strategy skipped this step (at random, to learn its worth)",
    "suppress.bankruptcy": "contact stopped: bankruptcy",
    "suppress.cease_and_desist": "contact stopped: the debtor asked us to cease",
    "suppress.deceased": "contact stopped: the debtor died",
    "suppress.dispute": "contact stopped while the debt is disputed",
    "suppress.hard_bounce": "the address bounced: never used again",
    "suppress.legal_hold": "contact stopped: legal hold",
    "suppress.no_consent": "the debtor did not consent to this channel",
    "suppress.opt_out": "the debtor opted out of this channel",
    "suppress.promise_to_pay": "waiting for a promised payment's date",
    "suppress.wrong_party": "the address belongs to someone else",
    "task.closed": "a person closed the task",
    "task.open": "a person is handling the debtor",
    "us.reg_f.after_conversation": "spoke with the debtor in the last 7 days",
    "us.reg_f.call_frequency": "7 calls in 7 days already",
    "us.policy.call_frequency_all_debts": "7 calls in 7 days already, across all debts",
    "cl.ley19496.art37.separacion_dos_dias": "two days must pass between contacts",
    "co.ley2300.art3.una_al_dia": "already contacted today (once a day by law)",
    "co.ley2300.art3.un_canal_semana": "already contacted on this channel this week",
    "policy.daily_total": "the daily contact limit is reached",
    "voicemail.limited_content": "a machine hears only a limited-content message",
    "voicemail.not_allowed": "no voicemail here: a machine gets nothing",
    "suppress.time_barred_threat": "the message threatens suit on a time-barred debt",
    "us.fdcpa.overshadowing": "the message demands payment sooner than the validation "
    "period allows",
    "us.fdcpa.validation_period": "collection paused: disputed within the validation "
    "period, until verification is sent",
    "us.fdcpa.dispute_pause": "collection paused: disputed within the validation period, "
    "until verification is mailed",
    "us.fdcpa.third_party": "the estate's representative while the debtor lives is a third party",
    "us.reg_f.estate_representative": "after the death, the estate's representative may be "
    "contacted",
    "policy.third_party": "only the debtor is contacted while the debtor lives",
    "legal.contacted_after_effective_date": "contacts made after a legal event's "
    "effective date: listed for remediation",
    "co.ley1266.art12.comunicacion_previa": "a credit-bureau report waits 20 days after notice",
    "co.ley1266.art12.dos_comunicaciones": "a small debt needs two notices before a report",
    "co.policy.aviso_escrito": "the credit-bureau notice must be a written message",
}

#: (id ending or part, words): the families every jurisdiction's profile names alike.
FAMILIES: tuple[tuple[str, str], ...] = (
    (".horario.otros_canales", "outside the hours allowed for messages"),
    (".policy.horario", "outside the policy's contact hours"),
    ("horario", "outside the hours the law allows for contact"),
    ("inconvenient_time", "outside the hours the law allows for contact"),
    (".hours", "outside the tenant's contact hours"),
    ("semana", "the contact limit for the week is reached"),
    ("weekly", "the contact limit for the week is reached"),
    ("communications", "the contact limit for the week is reached"),
    ("notice.", "a notice the law requires is missing from the message"),
    ("limitations.", "the period the law allows to sue on the debt"),
)
#: (id prefix, words before the rest of the id): ids built from a name.
PREFIXES: tuple[tuple[str, str], ...] = (
    ("task.", "handed to a person:"),
    ("suppress.", "contact stopped:"),
)


def describe(rule_id: str) -> str | None:
    """``co.ley2300.art3.horario`` -> ``outside the hours the law allows for contact``."""
    found = EXACT.get(rule_id)
    if found is not None:
        return found
    for part, words in FAMILIES:
        if part in rule_id:
            return words
    for prefix, words in PREFIXES:
        if rule_id.startswith(prefix):
            return f"{words} {rule_id.removeprefix(prefix).replace('_', ' ')}"
    return None


def labelled(rule_id: str) -> str:
    """The id with its words beside it, as a person reads it in a line of text."""
    words = describe(rule_id)
    return rule_id if words is None else f"{rule_id} ({words})"
