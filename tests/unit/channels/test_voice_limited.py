"""The limited-content text of each call comes from the tenant's policy and the
debtor's jurisdiction; where the tenant forbids voicemail there is none."""

from __future__ import annotations

from recaudo.channels.voice.limited import LimitedContent
from recaudo.rules.messages import Sender, SenderEntity
from recaudo.rules.policy import JurisdictionOverride, TenantPolicy, default_policy
from recaudo.rules.voicemail import LIMITED_CONTENT, NOT_ALLOWED, tenant_voicemail
from tests.unit.channels.test_voice_amd import command


def policy() -> TenantPolicy:
    base = default_policy()
    return base.model_copy(
        update={
            "sender": Sender(name="Acme", jurisdictions={"MX": SenderEntity(name="Acme México")}),
            "jurisdictions": {
                "MX": JurisdictionOverride(caller_ids=("+525588880000",)),
                "US": JurisdictionOverride(voicemail_allowed=False),
                "US-NY": JurisdictionOverride(voicemail_allowed=True),
            },
        }
    )


def limited_for(jurisdiction: str | None) -> LimitedContent:
    async def where(_tenant: str, _debtor: str) -> str | None:
        return jurisdiction

    return LimitedContent(lambda _tenant: policy(), where)


def test_a_subdivision_overrides_its_country_and_unknown_gets_none() -> None:
    overrides = {
        "US": JurisdictionOverride(voicemail_allowed=False),
        "US-NY": JurisdictionOverride(voicemail_allowed=True),
    }
    assert tenant_voicemail(overrides, "US-CA").rule is NOT_ALLOWED
    assert tenant_voicemail(overrides, "US-NY").rule is LIMITED_CONTENT
    assert not tenant_voicemail(overrides, None).allowed
    assert tenant_voicemail({}, "CO").allowed


async def test_the_sender_there_and_the_number_registered_there() -> None:
    text = await limited_for("MX")(command("+525512342222"), "+15005550006")
    assert text == (
        "Hola, le llama Acme México. Por favor devuelva la llamada a Acme México al +525588880000."
    )


async def test_without_a_registered_number_the_caller_is_the_callback() -> None:
    text = await limited_for("US-NY")(command("+525512342222"), "+15005550006")
    assert text is not None
    assert text.endswith("al +15005550006.")
    assert "Acme" in text


async def test_voicemail_forbidden_or_jurisdiction_unknown_is_a_hang_up() -> None:
    assert await limited_for("US-CA")(command("+525512342222"), "+15005550006") is None
    assert await limited_for(None)(command("+525512342222"), "+15005550006") is None
