"""The dispatcher asks the Reassigned Numbers Database before a call or text (issue 26,
part 7): a number disconnected since the debtor's consent is never used.

47 CFR 64.1200(m), FCC DA 21-1649: "yes" means permanently disconnected on or
after the consent date, so the consent was never the new holder's. An unreachable
database lets the contact go (our policy, logged).
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
import redis.asyncio as aioredis

from recaudo.channels.base import SendOutcome
from recaudo.channels.directory import ContactDirectory
from recaudo.channels.dispatch.dispatcher import Dispatcher
from recaudo.channels.dispatch.ledger import ContactLedger, ContactStatus
from recaudo.channels.dispatch.runtime import WorkerDispatcher
from recaudo.channels.reassigned import ReassignedCache
from recaudo.channels.sandbox import Sandbox, sandbox_credentials
from recaudo.channels.status_machine import StatusMachine
from recaudo.contracts.events import Channel, DeliveryStatus
from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.clock import SimulatedClock
from recaudo.foundation.errors import (
    PermanentProviderError,
    RetryableProviderError,
)
from recaudo.foundation.keys import Keys
from recaudo.rules.reassigned import MAX_AGE, RndResult
from tests.unit.channels.test_channels_dispatch import NOW
from tests.unit.channels.test_channels_dispatch import command as base_command

CONSENT = dt.date(2024, 3, 1)
NUMBER = "+12125550142"


class Numbers:
    """An in-memory database: ``answers`` per number, or ``error`` raised for all."""

    def __init__(self, answers: dict[str, RndResult] | None = None) -> None:
        self.answers = answers or {}
        self.error: Exception | None = None
        self.asked: list[tuple[str, dt.date]] = []

    async def disconnected_since(self, number: str, date: dt.date) -> RndResult:
        self.asked.append((number, date))
        if self.error is not None:
            raise self.error
        return self.answers.get(number, "no")


class Recorder:
    """A provider that accepts everything and remembers it."""

    idempotent = False
    ref_max_len = 0

    def __init__(self, name: str) -> None:
        self.name = name
        self.sent: list[ContactCommand] = []

    async def send(self, command: ContactCommand) -> SendOutcome:
        self.sent.append(command)
        return SendOutcome(provider=self.name, provider_message_id=f"m-{command.contact_id}")


def command(
    contact_id: str,
    *,
    channel: Channel = Channel.SMS,
    address: str = NUMBER,
    consent: dt.date | None = CONSENT,
) -> ContactCommand:
    return base_command(
        contact_id, channel, address, language="en", send_at=NOW, consent_date=consent
    )


class Setup:
    def __init__(
        self,
        ledger: ContactLedger,
        directory: ContactDirectory,
        machine: StatusMachine,
        numbers: Numbers,
    ) -> None:
        self.clock = SimulatedClock(NOW)
        self.numbers = numbers
        self.ledger = ledger
        self.provider = Recorder("phone")
        self.mail = Recorder("mail")
        self.cache = ReassignedCache(numbers, self.clock)
        channels = (Channel.SMS, Channel.VOICE, Channel.WHATSAPP)
        self.dispatcher = Dispatcher(
            {**{c: self.provider for c in channels}, Channel.EMAIL: self.mail},
            ledger,
            directory,
            machine,
            reassigned=self.cache,
        )


@pytest.fixture
def numbers() -> Numbers:
    return Numbers()


@pytest.fixture
def setup(
    ledger: ContactLedger, directory: ContactDirectory, machine: StatusMachine, numbers: Numbers
) -> Setup:
    return Setup(ledger, directory, machine, numbers)


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.VOICE])
async def test_disconnected_since_consent_is_not_sent_and_failed_for_good(
    setup: Setup, numbers: Numbers, channel: Channel
) -> None:
    numbers.answers[NUMBER] = "yes"
    result = await setup.dispatcher.dispatch(command("c-yes", channel=channel), NOW)
    assert not result.sent
    assert setup.provider.sent == []
    assert result.skipped_reason == "reassigned_number"
    assert result.fallback_channel == Channel.WHATSAPP
    [event] = result.deliveries
    assert event.status is DeliveryStatus.FAILED
    assert event.provider_error_code == "reassigned_number"
    assert event.permanent
    assert event.address == NUMBER
    assert await setup.ledger.status("acme", "d-7", "c-yes") == ContactStatus.FAILED
    assert numbers.asked == [(NUMBER, CONSENT)]
    # The contact is over: dispatching it again neither asks nor sends.
    again = await setup.dispatcher.dispatch(command("c-yes", channel=channel), NOW)
    assert again.skipped_reason == "already_failed"
    assert numbers.asked == [(NUMBER, CONSENT)]


@pytest.mark.parametrize("answer", ["no", "no_data"])
async def test_not_disconnected_or_no_data_is_sent(
    setup: Setup, numbers: Numbers, answer: RndResult
) -> None:
    numbers.answers[NUMBER] = answer
    result = await setup.dispatcher.dispatch(command("c-ok"), NOW)
    assert result.sent
    assert [c.contact_id for c in setup.provider.sent] == ["c-ok"]
    assert numbers.asked == [(NUMBER, CONSENT)]


@pytest.mark.parametrize(
    "error",
    [
        RetryableProviderError("POST /api/tn: ClientConnectorError"),
        PermanentProviderError("rnd idToken refused: HTTP 401"),
        TimeoutError(),
        ConnectionResetError("reset by peer"),
    ],
)
async def test_an_unreachable_database_lets_the_contact_go_with_a_warning(
    setup: Setup, numbers: Numbers, error: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    numbers.error = error
    with caplog.at_level(logging.WARNING, logger="recaudo.channels.dispatch.dispatcher"):
        result = await setup.dispatcher.dispatch(command("c-down"), NOW)
    assert result.sent
    assert len(setup.provider.sent) == 1
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "unreachable" in warning.getMessage()
    assert "c-down" in warning.getMessage()


@pytest.mark.parametrize(
    ("channel", "address", "consent"),
    [
        (Channel.SMS, "+34600111222", CONSENT),  # not NANP: not in the database
        (Channel.VOICE, "+442079460000", CONSENT),
        (Channel.SMS, "+1212555014", CONSENT),  # +1 but not ten digits
        (Channel.SMS, NUMBER, None),  # no consent date to ask about
        (Channel.WHATSAPP, NUMBER, CONSENT),  # neither a call nor a text
        (Channel.EMAIL, "d@example.com", CONSENT),
    ],
)
async def test_only_calls_and_texts_to_nanp_numbers_with_a_consent_date_are_asked(
    setup: Setup, numbers: Numbers, channel: Channel, address: str, consent: dt.date | None
) -> None:
    numbers.answers[address] = "yes"
    result = await setup.dispatcher.dispatch(
        command("c-skip", channel=channel, address=address, consent=consent), NOW
    )
    assert result.sent
    assert numbers.asked == []


async def test_no_check_without_a_cache(
    ledger: ContactLedger, directory: ContactDirectory, machine: StatusMachine
) -> None:
    provider = Recorder("phone")
    dispatcher = Dispatcher({Channel.SMS: provider}, ledger, directory, machine)
    assert (await dispatcher.dispatch(command("c-none"), NOW)).sent


async def test_the_database_is_asked_again_only_when_its_answer_no_longer_decides(
    setup: Setup, numbers: Numbers
) -> None:
    dispatch = setup.dispatcher.dispatch
    assert (await dispatch(command("c-1"), NOW)).sent
    # "No disconnection since March" also answers a later consent, a month on.
    setup.clock.advance_to(NOW + dt.timedelta(days=10))
    assert (await dispatch(command("c-2", consent=CONSENT + dt.timedelta(days=40)), NOW)).sent
    assert numbers.asked == [(NUMBER, CONSENT)]
    # An earlier consent is not covered: asked.
    earlier = CONSENT - dt.timedelta(days=1)
    assert (await dispatch(command("c-3", consent=earlier), NOW)).sent
    assert numbers.asked[-1] == (NUMBER, earlier)
    # Past the monthly update the answer is stale: asked again, and now it is "yes".
    setup.clock.advance_to(NOW + dt.timedelta(days=10) + MAX_AGE + dt.timedelta(seconds=1))
    numbers.answers[NUMBER] = "yes"
    result = await dispatch(command("c-4", consent=earlier), NOW)
    assert result.skipped_reason == "reassigned_number"
    assert len(numbers.asked) == 3
    assert [c.contact_id for c in setup.provider.sent] == ["c-1", "c-2", "c-3"]


async def test_the_worker_dispatcher_asks_the_sandbox_database(
    redis_client: aioredis.Redis, keys: Keys, ledger: ContactLedger
) -> None:
    """The runtime wiring: credentials with ``rnd`` build the check over HTTP."""
    creds, key = sandbox_credentials()
    assert creds.rnd is not None
    async with Sandbox(creds, sendgrid_private_key=key) as sandbox:
        sandbox.rnd.disconnect(NUMBER, dt.date(2025, 1, 20))
        worker = WorkerDispatcher(
            redis_client,
            keys,
            ledger,
            credentials=creds,
            provider_base_url=sandbox.url,
            webhook_base_url="http://127.0.0.1:9",
            ttl_s=600,
            clock=SimulatedClock(NOW),
        )
        try:
            gone = await worker.dispatch(command("c-gone"), NOW)
            kept = await worker.dispatch(command("c-kept", address="+12125550199"), NOW)
        finally:
            await worker.close()
    assert gone.skipped_reason == "reassigned_number"
    assert kept.sent
    assert [m.to for m in sandbox.messages] == ["+12125550199"]
    assert sandbox.rnd.queries == [
        {"tn": "2125550142", "date": "2024-03-01"},
        {"tn": "2125550199", "date": "2024-03-01"},
    ]
