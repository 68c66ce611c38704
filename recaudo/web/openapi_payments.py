"""OpenAPI paths of the payment providers' webhooks and the debtor's pay page."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from recaudo.web.openapi_parts import BROKER_GONE, SLOW_BODY, json_response, text_response

TOKEN = {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
GONE = {"410": text_response("text/html", "The link has expired: a page saying so")}
UNKNOWN_LINK = {"404": json_response("Error", "A token not signed here, or never dispatched")}


class PaymentWebhookAnswer(BaseModel):
    received: bool = True
    published: int = Field(description="Payments and reversals put on the payments topic")
    duplicates: int = Field(description="Already published for an earlier notification")
    unmatched: int = Field(description="Naming no account of ours: logged, not published")


MODELS = [PaymentWebhookAnswer]


def _form(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required}
    return {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": schema}}}


def _choice(summary: str, op: str, form: dict[str, Any], after: str) -> dict[str, Any]:
    return {
        "post": {
            "summary": summary,
            "description": "A form on the pay page (for people's browsers). Only when a "
            "payment provider is configured (the providers file's `payments`).",
            "operationId": op,
            "parameters": [TOKEN],
            "requestBody": form,
            "responses": {
                "303": {"description": after},
                "400": json_response("Error", "A field the page does not offer"),
                **UNKNOWN_LINK,
                **SLOW_BODY,
                "409": json_response("Error", "Nothing is due, or no such plan today"),
                **GONE,
                **BROKER_GONE,
            },
        }
    }


INSTALMENTS = {"instalments": {"type": "string", "pattern": "^[0-9]{1,3}$"}}
PATHS: dict[str, Any] = {
    "/pay/{token}/checkout": _choice(
        "Pay the amount due, or the first instalment of a plan, at the provider",
        "payCheckout",
        _form(INSTALMENTS, []),
        "To the provider's hosted checkout (Stripe Checkout, Mercado Pago, PIX)",
    ),
    "/pay/{token}/plan": _choice(
        "Pick one of the plans the policy offers: a `response` event with `plan`",
        "payPlan",
        _form(INSTALMENTS, ["instalments"]),
        "Back to the page, saying the plan was taken",
    ),
    "/pay/{token}/promise": _choice(
        "Promise to pay in full on a date: a `response` event with `promise`",
        "payPromise",
        _form({"due_on": {"type": "string", "format": "date"}}, ["due_on"]),
        "Back to the page, saying the promise was noted",
    ),
    "/webhooks/payments/{provider}": {
        "post": {
            "summary": "A payment provider's signed notification (stripe, mercadopago)",
            "description": "Stripe: `Stripe-Signature`, verified with the stripe SDK. "
            "Mercado Pago (also PIX): `x-signature` and `x-request-id` over "
            "`id:<data.id>;request-id:<x-request-id>;ts:<ts>;`. A payment becomes a "
            "`payment` event, a refund or chargeback a reversal (`reversal_of`), once "
            "per provider payment id.",
            "operationId": "postPaymentWebhook",
            "parameters": [
                {"name": "provider", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
            "responses": {
                "200": json_response("PaymentWebhookAnswer", "Taken (or known already)"),
                "400": json_response(
                    "Error", "The signature fails, or the body is not the provider's"
                ),
                "404": json_response("Error", "No such payment provider configured"),
                **SLOW_BODY,
                "413": json_response("Error", "The body is over the size limit"),
                "503": json_response(
                    "Error", "The broker, Redis or the provider's API does not answer; retry"
                ),
            },
        }
    },
}
