"""The ref token a provider echoes back with each receipt, naming the contact.

``"<tenant_id>/<contact_id>/<debtor_id>"``: the debtor in it is how a webhook
finds the contact's row in the debtor's own hash (``channels.directory``).
A provider that echoes fewer characters gets the short ``"<tenant_id>/<contact_id>"``,
resolved through a tenant-level key that names the debtor.
"""

from __future__ import annotations

from urllib.parse import quote, unquote


def make_token(tenant_id: str, contact_id: str, debtor_id: str) -> str:
    """``<tenant>/<contact>/<debtor>``: tenant ids have no "/", contact ids are
    hex (any "/" or "%" in one is percent-quoted), so the debtor id is the rest
    and may hold "/" itself."""
    return f"{tenant_id}/{quote(contact_id, safe='')}/{debtor_id}"


def split_token(token: str) -> tuple[str, str, str | None] | None:
    """(tenant, contact, debtor); debtor None for a short token."""
    tenant, sep, rest = token.partition("/")
    if not sep or not tenant or not rest:
        return None
    contact, sep, debtor = rest.partition("/")
    if not sep:
        return tenant, rest, None
    if not contact or not debtor:
        return None
    return tenant, unquote(contact), debtor


def short_token(tenant_id: str, contact_id: str) -> str:
    """``<tenant>/<contact>``: resolved through the ``contact:`` key, which names the debtor."""
    return f"{tenant_id}/{quote(contact_id, safe='')}"


def ref_for(tenant_id: str, contact_id: str, debtor_id: str, max_len: int) -> str | None:
    """The token to hand a provider that echoes at most ``max_len`` characters: the
    full one, else the short one, else None (then the dispatcher indexes the
    provider's message id instead)."""
    for token in (make_token(tenant_id, contact_id, debtor_id), short_token(tenant_id, contact_id)):
        if len(token) <= max_len:
            return token
    return None
