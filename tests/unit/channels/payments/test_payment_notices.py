"""What each provider's verified payload becomes: payments and their reversals."""

from __future__ import annotations

from typing import Any

from recaudo.channels.payments.base import PaymentAccounts, to_major, to_minor
from recaudo.channels.payments.mercadopago import payment_notices
from recaudo.channels.payments.stripe import _notices
from recaudo.contracts.events import PaymentMethod

META = {"tenant_id": "acme", "debtor_id": "d-1", "account_id": "A-1"}


def _stripe(kind: str, obj: dict[str, Any], previous: dict[str, Any] | None = None) -> Any:
    data: dict[str, Any] = {"object": obj}
    if previous is not None:
        data["previous_attributes"] = previous
    return {"id": "evt_1", "type": kind, "created": 1719000000, "data": data}


def test_a_paid_checkout_session_is_a_payment_of_its_intent() -> None:
    session = {
        "amount_total": 10000,
        "currency": "usd",
        "metadata": META,
        "payment_intent": "pi_1",
        "payment_method_types": ["card"],
        "payment_status": "paid",
    }
    [notice] = _notices(_stripe("checkout.session.completed", session))
    assert (notice.payment_id, notice.amount_minor, notice.currency) == ("pi_1", 10000, "USD")
    assert (notice.tenant_id, notice.debtor_id, notice.account_id) == ("acme", "d-1", "A-1")
    assert notice.method is PaymentMethod.CARD
    assert notice.reversal_of is None
    # OXXO is paid later: "unpaid" at completion, the async_payment_succeeded pays it.
    oxxo = {**session, "payment_status": "unpaid", "payment_method_types": ["oxxo"]}
    assert _notices(_stripe("checkout.session.completed", oxxo)) == []
    [later] = _notices(
        _stripe("checkout.session.async_payment_succeeded", {**oxxo, "payment_status": "paid"})
    )
    assert later.method is PaymentMethod.CASH


def test_each_stripe_refund_reverses_what_it_added() -> None:
    charge = {
        "id": "ch_1",
        "amount_refunded": 3500,
        "currency": "usd",
        "metadata": META,
        "payment_intent": "pi_1",
    }
    [notice] = _notices(_stripe("charge.refunded", charge, {"amount_refunded": 2500}))
    assert (notice.amount_minor, notice.reversal_of) == (1000, "pi_1")
    assert notice.payment_id == "ch_1:refunded:3500"


def test_a_stripe_chargeback_reverses_the_disputed_amount_matched_later() -> None:
    dispute = {"id": "dp_1", "amount": 10000, "currency": "usd", "payment_intent": "pi_1"}
    [notice] = _notices(_stripe("charge.dispute.funds_withdrawn", dispute))
    assert (notice.payment_id, notice.reversal_of, notice.amount_minor) == ("dp_1", "pi_1", 10000)
    assert notice.tenant_id is None  # a dispute carries no metadata: matched by pi_1
    assert _notices(_stripe("customer.created", {})) == []


def test_a_mercado_pago_payment_and_its_refunds_and_chargeback() -> None:
    payment = {
        "id": 1234567890,
        "status": "charged_back",
        "currency_id": "BRL",
        "transaction_amount": 150.5,
        "date_created": "2026-03-02T10:00:00.000-03:00",
        "date_approved": "2026-03-02T10:00:05.000-03:00",
        "payment_type_id": "bank_transfer",
        "payment_method_id": "pix",
        "metadata": META,
        "refunds": [{"id": 77, "amount": 50.5, "date_created": "2026-03-03T10:00:00.000-03:00"}],
    }
    paid, refund, chargeback = payment_notices(payment)
    assert (paid.payment_id, paid.amount_minor, paid.method) == (
        "1234567890",
        15050,
        PaymentMethod.BANK_TRANSFER,
    )
    assert (refund.payment_id, refund.amount_minor, refund.reversal_of) == (
        "1234567890:refund:77",
        5050,
        "1234567890",
    )
    assert (chargeback.amount_minor, chargeback.reversal_of) == (10000, "1234567890")
    assert payment_notices({**payment, "status": "pending"}) == []


def test_money_in_minor_units_both_ways() -> None:
    assert to_minor(150.5, "BRL") == 15050
    assert to_minor("1000", "CLP") == 1000
    assert str(to_major(15050, "BRL")) == "150.50"


def test_currencies_route_to_their_provider() -> None:
    accounts = PaymentAccounts(routes={"BRL": "pix"}, default="stripe")
    assert (accounts.provider_for("BRL"), accounts.provider_for("USD")) == ("pix", "stripe")
