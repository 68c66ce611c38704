"""Credentials out of anything printed: settings, start-up errors, log lines.

A URL's userinfo and its ``password=``/``token=``/``key=``-like parameters are
masked wherever a URL appears in a text, and so is a bare ``user:password@host``
(how Kafka clients name a broker). Parsing errs on the side of masking: a
password may hold unencoded ``/``, ``?``, ``#`` or ``@``, so the userinfo runs
to the last ``@`` of the URL, even if that also hides part of the host.
"""

from __future__ import annotations

import re

MASK = "****"
# Query parameters whose value is a credential: the name ends in one of these.
_SECRET_PARAM = re.compile(
    r"(?i)([?&;])([\w.-]*?(?:pass(?:word|wd)?|pwd|secret|token|key|auth|credentials?|sig(?:nature)?))"
    r"=([^&]*)"
)
# A URL inside free text: it ends at white space, a quote or an angle bracket, but
# its userinfo (up to an "@") may hold quotes and brackets: a password may.
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://(?:[^\s@/]*@)?[^\s\"'<>]+")
# A text that is a URL from start to end (a setting): its userinfo may hold anything.
_WHOLE_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://\S")
# user:password@host without a scheme (a Kafka bootstrap server, a redis-py error).
_BARE_USERINFO = re.compile(r"(?<![\w%+.-])([\w%+.-]+):(?!//)([^\s@\"'<>]+)@(?=[\w\[])")


def mask_url(url: str) -> str:
    """``url`` with its password (or lone userinfo) and secret parameters masked."""
    head, sep, rest = url.partition("://")
    if not sep:
        head, rest = "", url
    rest = _SECRET_PARAM.sub(lambda m: f"{m[1]}{m[2]}={MASK}", rest)
    userinfo, at, host = rest.rpartition("@")
    if at:
        user, colon, _password = userinfo.partition(":")
        # A userinfo with no colon may be a token on its own (https://TOKEN@host).
        rest = f"{user}:{MASK}@{host}" if colon else f"{MASK}@{host}"
    return f"{head}{sep}{rest}"


def redact_value(value: str) -> str:
    """A setting's value: a URL masked as a whole (a password with a space or a quote
    included), any other text as ``redact`` does."""
    if _WHOLE_URL.match(value) and "@" in value:
        return _BARE_USERINFO.sub(lambda m: f"{m[1]}:{MASK}@", mask_url(value))
    return redact(value)


def redact(text: str) -> str:
    """``text`` with every URL's credentials and every bare ``user:password@`` masked."""
    if "@" not in text and "=" not in text:
        return text  # the common log line: nothing to look at
    text = _URL.sub(lambda m: mask_url(m[0]), text)
    return _BARE_USERINFO.sub(lambda m: f"{m[1]}:{MASK}@", text)
