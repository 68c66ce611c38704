"""Verifiers for every configured provider, from ``ProviderCredentials``."""

from __future__ import annotations

from recaudo.channels.credentials import ProviderCredentials
from recaudo.channels.webhooks.base import Verifier
from recaudo.channels.webhooks.infobip import InfobipVerifier
from recaudo.channels.webhooks.mailgun import MailgunVerifier
from recaudo.channels.webhooks.meta import MetaVerifier
from recaudo.channels.webhooks.sendgrid import SendGridVerifier
from recaudo.channels.webhooks.sns import Fetcher, SnsVerifier
from recaudo.channels.webhooks.standard import StandardVerifier
from recaudo.channels.webhooks.twilio import TwilioVerifier
from recaudo.channels.webhooks.vonage import VonageVerifier


def build_verifiers(
    creds: ProviderCredentials, sns_fetcher: Fetcher | None = None
) -> list[Verifier]:
    """One verifier per configured provider; SES also needs ``sns_fetcher`` (``http_fetcher``)."""
    out: list[Verifier] = []
    if creds.twilio:
        out.append(TwilioVerifier(creds.twilio.auth_token.get_secret_value()))
    if creds.sendgrid:
        out.append(SendGridVerifier(creds.sendgrid.webhook_public_key))
    if creds.meta:
        out.append(
            MetaVerifier(
                creds.meta.app_secret.get_secret_value(), creds.meta.verify_token.get_secret_value()
            )
        )
    if creds.mailgun:
        out.append(MailgunVerifier(creds.mailgun.webhook_signing_key.get_secret_value()))
    if creds.infobip:
        out.append(
            InfobipVerifier(
                creds.infobip.webhook_username, creds.infobip.webhook_password.get_secret_value()
            )
        )
    if creds.vonage:
        out.append(VonageVerifier(creds.vonage.signature_secret.get_secret_value()))
    if creds.sns and sns_fetcher is not None:
        out.append(
            SnsVerifier(
                creds.sns.allowed_topic_arns, sns_fetcher, auto_confirm=creds.sns.auto_confirm
            )
        )
    if creds.standard:
        out.append(StandardVerifier(creds.standard.secret.get_secret_value()))
    return out
