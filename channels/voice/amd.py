"""Answering-machine detection: each provider's answer, and the script it gets.

Twilio (Calls API): ``MachineDetection=DetectMessageEnd`` waits for the end of
a machine's greeting, then requests ``Url`` with ``AnsweredBy`` = ``human``,
``machine_start``, ``machine_end_beep``, ``machine_end_silence``,
``machine_end_other``, ``fax`` or ``unknown`` (``MachineDetectionTimeout``,
default 30 s, gives ``unknown``). Vonage (Voice API ``POST /v1/calls``):
``advanced_machine_detection`` = ``{behavior, mode, beep_timeout}``; its event
webhook says ``status`` ``human`` or ``machine`` (``sub_state`` ``beep_start``
or ``beep_timeout`` with ``detect_beep``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from xml.sax.saxutils import escape

import redis.asyncio as aioredis

from recaudo.contracts.outputs import ContactCommand
from recaudo.foundation.keys import Keys


class Answered(StrEnum):
    HUMAN = "human"
    MACHINE = "machine"
    FAX = "fax"
    UNKNOWN = "unknown"


TWILIO_ANSWERED_BY: dict[str, Answered] = {
    "human": Answered.HUMAN,
    "machine_start": Answered.MACHINE,
    "machine_end_beep": Answered.MACHINE,
    "machine_end_silence": Answered.MACHINE,
    "machine_end_other": Answered.MACHINE,
    "fax": Answered.FAX,
    "unknown": Answered.UNKNOWN,
}
VONAGE_STATUS: dict[str, Answered] = {"human": Answered.HUMAN, "machine": Answered.MACHINE}

#: Twilio: wait for the greeting's end so the voicemail is recorded whole.
TWILIO_MACHINE_DETECTION = "DetectMessageEnd"
TWILIO_MACHINE_DETECTION_TIMEOUT_S = 30
#: Vonage: go on after a machine (to leave the message), wait for its beep.
VONAGE_AMD: dict[str, Any] = {"behavior": "continue", "mode": "detect_beep", "beep_timeout": 45}


@dataclass(frozen=True, slots=True)
class VoiceScripts:
    """What a person hears, and what a machine may (None: no voicemail here)."""

    full: str
    limited: str | None
    language: str


def script_for(answered: Answered, scripts: VoiceScripts) -> str | None:
    """The text to play, or None to hang up.

    Only a detected person hears the debt; an undecided answer may be a tape
    a third party hears, so it gets what a machine gets.
    """
    if answered is Answered.HUMAN:
        return scripts.full
    if answered is Answered.FAX:
        return None
    return scripts.limited


LIMITED_CONTENT: dict[str, str] = {
    "es": "Hola, le llama {business}. Por favor devuelva la llamada a {name} al {callback}.",
    "en": "Hello, this is {business}. Please call {name} back at {callback}.",
    "pt": "Olá, aqui é {business}. Por favor, retorne a ligação para {name} no {callback}.",
}


def limited_content_message(business: str, name: str, callback: str, language: str) -> str:
    """Only the content 12 CFR 1006.2(j)(1) requires: a business name (which must not
    say debt collection), a request to reply, the name to reply to and a number."""
    text = LIMITED_CONTENT.get(language.split("-")[0], LIMITED_CONTENT["en"])
    return text.format(business=business, name=name, callback=callback)


def twiml(text: str | None, language: str) -> str:
    """TwiML that says ``text`` (or hangs up)."""
    if text is None:
        return "<Response><Hangup/></Response>"
    return f'<Response><Say language="{escape(language)}">{escape(text)}</Say></Response>'


def vonage_ncco(text: str | None, language: str) -> list[dict[str, Any]]:
    """The NCCO that talks ``text`` (an empty NCCO ends the call)."""
    if text is None:
        return []
    return [{"action": "talk", "text": text, "language": language}]


#: A call's scripts outlive the longest ring, detection and beep wait (Twilio's
#: MachineDetectionTimeout, Vonage's beep_timeout) by far; a few hours, then gone.
SCRIPT_TTL_S = 4 * 3600


class ScriptStore:
    """The scripts of calls in flight, and the detection verdict, by ref token, in Redis.

    The worker's dispatcher puts them as it places the call; the web process's
    answer webhook (another process, any replica) reads them. One hash per call.
    """

    def __init__(self, client: aioredis.Redis, keys: Keys, ttl_s: int = SCRIPT_TTL_S) -> None:
        self._redis = client
        self._keys = keys
        self._ttl_s = ttl_s

    async def put(self, ref: str, scripts: VoiceScripts) -> None:
        fields = ["full", scripts.full, "language", scripts.language]
        if scripts.limited is not None:
            fields += ["limited", scripts.limited]
        key = self._keys.voice_call(ref)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(key, items=fields)
            pipe.expire(key, self._ttl_s)
            await pipe.execute()

    async def get(self, ref: str) -> VoiceScripts | None:
        got = await self._redis.hgetall(self._keys.voice_call(ref))
        fields = {_text(k): _text(v) for k, v in got.items()}
        if "full" not in fields:
            return None
        return VoiceScripts(fields["full"], fields.get("limited"), fields.get("language", "en"))

    async def detected(self, ref: str, answered: Answered) -> None:
        """Vonage reports detection on the event webhook: keep it for the answer webhook
        (only for a call we placed; an unknown ref writes nothing)."""
        key = self._keys.voice_call(ref)
        if await self._redis.exists(key):
            await self._redis.hset(key, "answered", answered.value)

    async def answered(self, ref: str) -> Answered | None:
        raw = await self._redis.hget(self._keys.voice_call(ref), "answered")
        return None if raw is None else Answered(_text(raw))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


#: Where Twilio asks for the TwiML once detection decided (``voice.answer``).
ANSWER_PATH = "/voice/twilio/answer"
#: Where Vonage asks for the NCCO, and posts the call's events (``voice.vonage``).
VONAGE_ANSWER_PATH = "/voice/vonage/answer"
VONAGE_EVENT_PATH = "/voice/vonage/event"


@dataclass(frozen=True, slots=True)
class VoiceAnswers:
    """What a voice adapter needs to let detection choose: where scripts wait for the
    answer webhook, and each command's limited-content text (None: no voicemail),
    given the number the call comes from (the callback number by default)."""

    store: ScriptStore
    limited: Callable[[ContactCommand, str], Awaitable[str | None]]
