"""Voice: the text-to-speech language for the debtor's locale.

Providers' TTS voices take BCP 47 tags with a region (Twilio ``<Say
language="es-MX">``, Vonage ``language``); a bare language gets the region of
the debtor's jurisdiction, else a default region for the language.
"""

from __future__ import annotations

DEFAULT_REGION = {"es": "MX", "en": "US", "pt": "BR"}


def tts_language(language: str, jurisdiction: str | None) -> str:
    if "-" in language:
        return language
    country = (jurisdiction or "").split("-")[0]
    region = country or DEFAULT_REGION.get(language, "US")
    return f"{language}-{region}"
