"""Jurisdiction profiles: one module per country, each rule as data with its citation.

``profile_for("US-MA")`` returns the most specific profile; a subdivision
without its own profile gets its country's rules with its own holidays (for
the US: Regulation F applies in every state; the states with stricter
call/text rules have their own profiles, see ``us.py``).
"""

from __future__ import annotations

from recaudo.rules.profiles.base import Profile
from recaudo.rules.profiles.br import BR
from recaudo.rules.profiles.cl import CL
from recaudo.rules.profiles.co import CO
from recaudo.rules.profiles.mx import MX
from recaudo.rules.profiles.pe import PE
from recaudo.rules.profiles.us import US, US_CA, US_MA, US_TERRITORIES, US_WA

PROFILES: dict[str, Profile] = {
    p.code: p for p in (US, US_CA, US_MA, US_WA, *US_TERRITORIES, CO, MX, PE, CL, BR)
}


def profile_for(jurisdiction: str) -> Profile | None:
    """The profile of ``jurisdiction`` (e.g. ``US-MA``), or None if we have no rules."""
    found = PROFILES.get(jurisdiction)
    if found is not None:
        return found
    country, _, subdiv = jurisdiction.partition("-")
    national = PROFILES.get(country)
    if national is None or not subdiv:
        return national
    return national.derive(code=jurisdiction, holiday_subdiv=subdiv)


__all__ = ["PROFILES", "Profile", "profile_for"]
