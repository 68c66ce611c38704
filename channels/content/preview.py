"""``recaudo template preview``: a tenant's message as a debtor would receive it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click
import orjson
from pydantic import ValidationError

from recaudo.channels.content.compose import Composer
from recaudo.channels.content.paylink import PayLinks
from recaudo.contracts.events import AccountEvent, Channel
from recaudo.contracts.outputs import Reason
from recaudo.contracts.state import AccountState, DebtorStateBase
from recaudo.contracts.validation_errors import describe
from recaudo.foundation.config import Settings
from recaudo.foundation.errors import PolicyError
from recaudo.rules.policy import TenantPolicy, default_policy, load_policy

SAMPLE = {
    "event_id": "preview",
    "tenant_id": "preview",
    "occurred_at": "2026-01-15T15:00:00+00:00",
    "debtor_id": "d-preview",
    "account_id": "a-preview",
    "balance": {"amount_minor": 250000000, "currency": "COP"},
    "amount_due": {"amount_minor": 125000000, "currency": "COP"},
    "due_date": "2026-01-05",
    "days_past_due": 10,
    "status": "delinquent",
    "product": "loan",
    "jurisdiction": "CO",
    "timezone": "America/Bogota",
    "language": "es",
    "debtor_name": "Ana Gómez",
    "creditor_name": "Banco Ejemplo",
    "account_reference": "****4321",
    "payment_reference": "PAY-4321",
}


def state_of(event: AccountEvent) -> DebtorStateBase:
    account = AccountState(
        status=event.status,
        days_past_due=event.days_past_due,
        due=event.amount_due.amount_minor,
        bal=event.balance.amount_minor,
        cur=event.amount_due.currency,
        cycle=event.due_date.isoformat(),
        cred=event.creditor_name,
        ref=event.account_reference,
        pref=event.payment_reference,
    )
    return DebtorStateBase(
        tz=event.timezone,
        jur=event.jurisdiction,
        lang=event.language,
        name=event.debtor_name,
        accounts={event.account_id: account},
    )


def _policy(tenant: str, settings: Settings) -> TenantPolicy:
    if settings.policy_dir and (Path(settings.policy_dir) / f"{tenant}.toml").exists():
        return load_policy(Path(settings.policy_dir) / f"{tenant}.toml")
    return default_policy()


@click.group(name="template")
def template() -> None:
    """Message templates of a tenant policy."""


def _account(path: Path) -> dict[str, Any]:
    """The account event a file holds, as JSON data; a usage error naming ``--account``."""
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise click.BadParameter(f"{path}: not JSON ({exc})", param_hint="--account") from None
    if not isinstance(data, dict):
        raise click.BadParameter(f"{path}: not a JSON object", param_hint="--account")
    return data


@template.command(name="preview")
@click.option("--tenant", required=True, help="Tenant id (its policy from RECAUDO_POLICY_DIR)")
@click.option("--template", "name", required=True, help="Template name, e.g. reminder")
@click.option("--lang", required=True, help="Debtor language, e.g. es, pt-BR")
@click.option("--channel", type=click.Choice([c.value for c in Channel]), required=True)
@click.option(
    "--account",
    type=click.Path(path_type=Path, dir_okay=False),
    help="An account event (JSON) to render for; default: a sample Colombian debtor",
)
@click.option("--policy", "policy_file", type=click.Path(path_type=Path, dir_okay=False))
def preview(
    tenant: str, name: str, lang: str, channel: str, account: Path | None, policy_file: Path | None
) -> None:
    """Print the rendered message with its segment count (exit 1 if it may not be sent)."""
    settings = Settings()
    try:
        policy = load_policy(policy_file) if policy_file else _policy(tenant, settings)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from exc
    data = _account(account) if account else dict(SAMPLE)
    data.update(tenant_id=tenant, language=lang)
    try:
        event = AccountEvent.model_validate(data)
    except ValidationError as exc:
        raise click.BadParameter(describe(exc), param_hint="--account") from None
    links = PayLinks(
        settings.pay_link_secret.get_secret_value(),
        settings.public_base_url,
        dt.timedelta(seconds=settings.pay_link_ttl_s),
    )
    out = Composer(lambda _t: policy, links).compose(
        tenant,
        state_of(event),
        event.account_id,
        Channel(channel),
        name,
        "preview-contact",
        dt.datetime.now(dt.UTC),
        debtor_id=event.debtor_id,
    )
    if out is None:
        raise click.ClickException("this policy has no [messages]")
    if isinstance(out, Reason):
        click.echo(f"NOT SENDABLE: {out.rule_id} {out.params} {out.citation or ''}", err=True)
        raise SystemExit(1)
    click.echo(f"# {out.template_id} v{out.template_version} ({out.language})")
    if out.segments is not None:
        click.echo(f"# SMS: {out.segments} segment(s), {out.encoding}, {len(out.text)} characters")
    if out.subject:
        click.echo(f"Subject: {out.subject}")
    for header, value in out.headers.items():
        click.echo(f"{header}: {value}")
    if out.whatsapp_template:
        click.echo(f"# WhatsApp template {out.whatsapp_template} [{out.whatsapp_language}]")
        click.echo(orjson.dumps(list(out.whatsapp_components)).decode())
    if out.tts_language:
        click.echo(f"# Voice, text-to-speech in {out.tts_language}")
    click.echo("")
    click.echo(out.text)
    if out.html:
        click.echo("\n--- HTML ---")
        click.echo(out.html)
