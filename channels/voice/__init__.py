"""Voice calls that decide what to say by who answers.

The provider's answering-machine detection runs before anything plays; a
person hears the full message, a machine only the limited-content message
(12 CFR 1006.2(j)) or nothing where the tenant forbids voicemail, a fax or an
undecided answer never hears the debt. ``amd`` maps each provider's answer
and builds what plays; ``answer`` is the Twilio answer webhook that serves it.
"""

from recaudo.channels.voice.amd import Answered, ScriptStore, VoiceScripts, script_for

__all__ = ["Answered", "ScriptStore", "VoiceScripts", "script_for"]
