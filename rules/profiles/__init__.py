"""Jurisdiction profiles: one module per country, each rule as data with its citation.

``profile_for("US-MA")`` returns the most specific profile; a subdivision
without its own profile gets its country's rules with its own holidays (for
the US: Regulation F applies in every state; the states with stricter
call/text rules have their own profiles, see ``us.py``).
"""

from __future__ import annotations

from recaudo.contracts.base import lineage
from recaudo.rules.profiles.base import Profile
from recaudo.rules.profiles.br import BR
from recaudo.rules.profiles.cl import CL
from recaudo.rules.profiles.co import CO
from recaudo.rules.profiles.mx import MX
from recaudo.rules.profiles.pe import PE
from recaudo.rules.profiles.us import US, US_CA, US_MA, US_NY_NYC, US_TERRITORIES, US_WA

PROFILES: dict[str, Profile] = {
    p.code: p for p in (US, US_CA, US_MA, US_NY_NYC, US_WA, *US_TERRITORIES, CO, MX, PE, CL, BR)
}


def profile_for(jurisdiction: str) -> Profile | None:
    """The profile of ``jurisdiction`` (e.g. ``US-MA``), or None if we have no rules.

    Without one of its own, a subdivision gets its country's rules with its own
    holidays, and a city (``US-NY-NYC``) its subdivision's.
    """
    found = PROFILES.get(jurisdiction)
    if found is not None:
        return found
    codes = lineage(jurisdiction)
    parent = profile_for(codes[1]) if len(codes) > 1 else None
    if parent is None:
        return None
    if len(codes) == 2:
        return parent.derive(code=jurisdiction, holiday_subdiv=jurisdiction.partition("-")[2])
    return parent.derive(code=jurisdiction)


__all__ = ["PROFILES", "Profile", "profile_for"]
