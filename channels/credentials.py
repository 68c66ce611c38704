"""Provider credentials, passed in (never read from the environment here).

One frozen model per provider; ``None`` means the provider is not configured.
The lead builds ``ProviderCredentials`` from the settings or the tenant policy
files ("credentials by reference"); the sandbox uses the same object so what it
signs verifies with what the webhook routes check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError

from recaudo.channels.payments.base import PaymentAccounts
from recaudo.contracts.validation_errors import describe
from recaudo.foundation.errors import ConfigError


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TwilioCredentials(_Frozen):
    account_sid: str
    auth_token: SecretStr
    sms_from: str
    whatsapp_from: str | None = None
    voice_from: str | None = None


class SendGridCredentials(_Frozen):
    api_key: SecretStr
    from_email: str
    # Base64 DER (SubjectPublicKeyInfo) of the Signed Event Webhook key, as the
    # SendGrid console shows it.
    webhook_public_key: str


class MetaCredentials(_Frozen):
    access_token: SecretStr
    phone_number_id: str
    app_secret: SecretStr
    verify_token: SecretStr
    api_version: str = "v21.0"


class MailgunCredentials(_Frozen):
    api_key: SecretStr
    domain: str
    from_email: str
    webhook_signing_key: SecretStr


class InfobipCredentials(_Frozen):
    api_key: SecretStr
    sender: str
    # Every Infobip account has its own API host.
    base_url: str = "https://api.infobip.com"
    # Infobip does not sign its callbacks: we require HTTP Basic auth on them.
    webhook_username: str
    webhook_password: SecretStr


class VonageCredentials(_Frozen):
    api_key: str
    api_secret: SecretStr
    signature_secret: SecretStr
    sender: str
    # Voice API (issue 26): its calls are authenticated with a JWT the Vonage
    # application's private key (PEM) signs; calls come from ``voice_from``.
    application_id: str | None = None
    private_key: SecretStr | None = None
    voice_from: str | None = None


class SnsConfig(_Frozen):
    """Amazon SES notifications via SNS: only these topics are accepted."""

    allowed_topic_arns: tuple[str, ...]
    auto_confirm: bool = True


class StandardWebhooksCredentials(_Frozen):
    """A generic provider speaking Standard Webhooks; ``secret`` is ``whsec_...``."""

    secret: SecretStr


class RndCredentials(_Frozen):
    """The FCC Reassigned Numbers Database (a caller's subscription, by SomosGov)."""

    refresh_token: SecretStr
    company_id: str
    # None: the database's own API host (``channels.reassigned.rnd``).
    base_url: str | None = None


class ProviderCredentials(_Frozen):
    twilio: TwilioCredentials | None = None
    sendgrid: SendGridCredentials | None = None
    meta: MetaCredentials | None = None
    mailgun: MailgunCredentials | None = None
    infobip: InfobipCredentials | None = None
    vonage: VonageCredentials | None = None
    sns: SnsConfig | None = None
    standard: StandardWebhooksCredentials | None = None
    # Payment providers behind the pay link (channels.payments).
    payments: PaymentAccounts | None = None
    # Asked before calling or texting a number consented to before its last check.
    rnd: RndCredentials | None = None


def load_credentials(path: str | Path) -> ProviderCredentials:
    """Read credentials from a JSON file (secrets included, so keep it private)."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read provider credentials: {exc.strerror}") from exc
    try:
        return ProviderCredentials.model_validate_json(raw)
    except ValidationError as exc:
        # Name each field and its problem, never the value: these are secrets.
        problems = describe(exc, root="(file)")
        raise ConfigError(f"{path}: invalid provider credentials: {problems}") from None


def dump_credentials(creds: ProviderCredentials) -> bytes:
    """The JSON ``load_credentials`` reads, secrets revealed (for generated dev files)."""

    def reveal(value: Any) -> Any:
        if isinstance(value, SecretStr):
            return value.get_secret_value()
        if isinstance(value, dict):
            return {k: reveal(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [reveal(v) for v in value]
        return value

    return orjson.dumps(reveal(creds.model_dump(exclude_none=True)), option=orjson.OPT_INDENT_2)
