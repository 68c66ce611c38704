"""Parts of the OpenAPI document shared by its operations, and the paths outside ``/v1``.

The probes, the pages, the payment link and the providers' webhooks: they are
routes of the same server, so their statuses are in the same contract.
"""

from __future__ import annotations

from typing import Any

REF = "#/components/schemas/{model}"


def json_response(name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=name)}}},
    }


def text_response(media: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "string"}}}}


AUTH_ERRORS = {"401": json_response("Error", "Missing or unknown API key")}
SLOW_BODY = {
    "408": json_response("Error", "The body did not arrive within RECAUDO_HTTP_BODY_TIMEOUT_S")
}
TOO_LARGE = {"413": json_response("Error", "The body is over the size limit (4 MiB)")}
# Any POST, while the broker watch sees a broker that lost its topics and offsets.
BROKER_GONE = {
    "503": json_response("Error", "The broker restarted empty, or a store is down; retry")
}
PROVIDER = {"name": "provider", "in": "path", "required": True, "schema": {"type": "string"}}
# The voice answer webhooks: the call's ref token, the provider's own body.
VOICE_REF = {"name": "ref", "in": "query", "required": True, "schema": {"type": "string"}}
VOICE_FORM = {
    "required": True,
    "content": {"application/x-www-form-urlencoded": {"schema": {"type": "string"}}},
}
VOICE_JSON = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
VOICE_DOWN = {
    "404": json_response("Error", "This provider is not configured"),
    **SLOW_BODY,
    "503": json_response("Error", "Redis does not answer, or the broker restarted empty; retry"),
}
OUTSIDE_V1: dict[str, Any] = {
    "/healthz": {
        "get": {
            "summary": "Liveness",
            "operationId": "healthz",
            "responses": {"200": json_response("Health", "The process answers")},
        }
    },
    "/readyz": {
        "get": {
            "summary": "Readiness: Redis and the broker answer",
            "operationId": "readyz",
            "responses": {
                "200": json_response("Ready", "Ready"),
                "503": json_response("Ready", "A dependency does not answer"),
            },
        }
    },
    "/metrics": {
        "get": {
            "summary": "Prometheus metrics",
            "operationId": "metrics",
            "responses": {"200": text_response("text/plain", "The exposition format")},
        }
    },
    "/v1/openapi.json": {
        "get": {
            "summary": "This document",
            "operationId": "openapi",
            "responses": {"200": {"description": "OpenAPI 3.1, JSON"}},
        }
    },
    "/docs": {
        "get": {
            "summary": "This document and the error codes, as a page (no script, no CDN)",
            "operationId": "docs",
            "responses": {"200": text_response("text/html", "The page")},
        }
    },
    "/ops": {
        "get": {
            "summary": "The operations page (it asks for an API key)",
            "operationId": "opsPage",
            "responses": {"200": text_response("text/html", "The page")},
        }
    },
    "/pay/{token}": {
        "get": {
            "summary": "A debtor's click on a message's payment link",
            "description": "Redirects to the tenant's payment page and records a "
            "`clicked` delivery (not for HEAD, prefetches or link-preview fetchers). "
            "For people's browsers, not for programs.",
            "operationId": "pay",
            "parameters": [
                {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": text_response(
                    "text/html", "The self-service page, when a payment provider is configured"
                ),
                "302": {"description": "To the tenant's payment page (Location)"},
                "404": json_response("Error", "A token not signed here, or never dispatched"),
                "410": text_response("text/html", "The link has expired: a page saying so"),
                "503": json_response("Error", "Redis does not answer (the page); retry"),
            },
        }
    },
    "/webhooks/{provider}": {
        "post": {
            "summary": "A provider's delivery receipts and inbound messages",
            "description": "Only with RECAUDO_PROVIDERS_FILE, for the providers it "
            "configures (twilio, vonage, infobip, meta, sendgrid, mailgun, ses); each "
            "request is verified with the provider's own signature scheme. The 200 "
            "body is what the provider expects; `X-Recaudo-Counts` sums the items.",
            "operationId": "postWebhook",
            "parameters": [PROVIDER],
            "requestBody": {
                "required": True,
                "content": {"*/*": {"schema": {"type": "string"}}},
            },
            "responses": {
                "200": {"description": "Every item recorded (or a known duplicate)"},
                "400": json_response("Error", "An item the provider's format does not allow"),
                "401": json_response("Error", "The signature does not verify"),
                "404": json_response("Error", "No such provider configured"),
                **SLOW_BODY,
                "413": json_response("Error", "The body is over 1 MiB"),
                "503": json_response("Error", "Redis or the broker does not answer; retry"),
            },
        },
        "get": {
            "summary": "A provider's subscription handshake (Meta)",
            "operationId": "webhookHandshake",
            "parameters": [PROVIDER],
            "responses": {
                "200": text_response("text/plain", "The challenge, echoed"),
                "403": json_response("Error", "The verify token does not match"),
                "404": json_response("Error", "No such provider configured"),
                "405": json_response("Error", "This provider has no GET handshake"),
            },
        },
    },
    "/voice/twilio/answer": {
        "post": {
            "summary": "Twilio's answer request: the TwiML a call plays once detection decided",
            "description": "Only with Twilio in RECAUDO_PROVIDERS_FILE. Twilio asks after "
            "`MachineDetection=DetectMessageEnd` with `AnsweredBy`; a person hears the full "
            "message, a machine only the limited-content message (12 CFR 1006.2(j)) or a "
            "hang-up where the tenant forbids voicemail, a fax a hang-up. Signed with "
            "`X-Twilio-Signature` over our public URL and the form.",
            "operationId": "twilioVoiceAnswer",
            "parameters": [VOICE_REF],
            "requestBody": VOICE_FORM,
            "responses": {
                "200": text_response("text/xml", "TwiML: `<Say>` the script, or `<Hangup/>`"),
                "400": json_response("Error", "The form cannot be read (Content-Type or body)"),
                "403": {"description": "The signature does not verify; nothing is read"},
                **VOICE_DOWN,
            },
        }
    },
    "/voice/vonage/answer": {
        "post": {
            "summary": "Vonage's answer request: the NCCO a call plays for detection's verdict",
            "description": "Only with Vonage in RECAUDO_PROVIDERS_FILE. The call asks for "
            "advanced machine detection (`detect_beep`); the verdict the event route kept "
            "chooses the script, and no verdict plays what a machine may hear (12 CFR "
            "1006.2(j)). Signed: `Authorization: Bearer` HS256 JWT with the signature "
            "secret, `payload_hash` the body's SHA-256.",
            "operationId": "vonageVoiceAnswer",
            "parameters": [VOICE_REF],
            "requestBody": VOICE_JSON,
            "responses": {
                "200": text_response("application/json", "The NCCO (`[]` hangs up)"),
                "400": json_response("Error", "The body does not decode as its headers say"),
                "403": {"description": "The JWT does not verify; nothing is read"},
                **VOICE_DOWN,
            },
        }
    },
    "/voice/vonage/event": {
        "post": {
            "summary": "Vonage's call events: keeps machine detection's `human`/`machine`",
            "operationId": "vonageVoiceEvent",
            "parameters": [VOICE_REF],
            "requestBody": VOICE_JSON,
            "responses": {
                "204": {"description": "Recorded (or an event we do not need)"},
                "400": json_response(
                    "Error", "The body is not JSON, or does not decode as its headers say"
                ),
                "403": {"description": "The JWT does not verify; nothing is read"},
                **VOICE_DOWN,
            },
        }
    },
}
