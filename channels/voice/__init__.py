"""Voice calls that decide what to say by who answers.

The provider's answering-machine detection runs before anything plays; a
person hears the full message, a machine only the limited-content message
(12 CFR 1006.2(j)) or nothing where the tenant forbids voicemail, a fax or an
undecided answer never hears the debt. ``amd`` maps each provider's answer,
builds what plays and keeps each call's scripts in Redis; ``limited`` builds
the limited-content text from the tenant's policy; ``answer`` (Twilio) and
``vonage`` are the answer webhooks that serve it, mounted by ``routes``.
"""

from recaudo.channels.voice.amd import (
    Answered,
    ScriptStore,
    VoiceAnswers,
    VoiceScripts,
    script_for,
)

__all__ = ["Answered", "ScriptStore", "VoiceAnswers", "VoiceScripts", "script_for"]
