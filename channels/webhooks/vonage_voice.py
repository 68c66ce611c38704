"""Vonage Voice API webhooks (answer and event): a signed JWT, not the SMS ``sig``.

Vonage signs Voice webhooks with a JWT in ``Authorization: Bearer``, HS256
with the account's signature secret; its claims carry ``api_key`` (which
secret signed), ``iat`` and ``payload_hash``, the hex SHA-256 of the body. We
check all three and a freshness window, so a forged or replayed-late request
is refused before anything is read from it. The Voice API's own requests
(placing a call) carry a JWT too, RS256 with the application's private key:
``application_jwt`` makes it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from recaudo.foundation.errors import SignatureError

JWT_TTL_S = 900


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def signed_jwt(secret: str, claims: Mapping[str, Any]) -> str:
    """An HS256 JWT over ``claims`` (what Vonage puts on its Voice webhooks)."""
    head = _b64(orjson.dumps({"alg": "HS256", "typ": "JWT"})) + "." + _b64(orjson.dumps(claims))
    mac = hmac.new(secret.encode(), head.encode(), hashlib.sha256).digest()
    return f"{head}.{_b64(mac)}"


def webhook_claims(api_key: str, body: bytes, now: float) -> dict[str, Any]:
    """The claims of a Voice webhook's JWT for ``body``."""
    return {
        "iat": int(now),
        "jti": secrets.token_hex(16),
        "iss": "Vonage",
        "api_key": api_key,
        "payload_hash": hashlib.sha256(body).hexdigest(),
    }


def application_jwt(application_id: str, private_key_pem: str, now: float) -> str:
    """The RS256 JWT the Voice API wants on each request (``Authorization: Bearer``)."""
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("the Vonage application key must be an RSA private key")
    claims = {
        "application_id": application_id,
        "iat": int(now),
        "exp": int(now) + JWT_TTL_S,
        "jti": secrets.token_hex(16),
    }
    head = _b64(orjson.dumps({"alg": "RS256", "typ": "JWT"})) + "." + _b64(orjson.dumps(claims))
    signature = key.sign(head.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{_b64(signature)}"


def application_claims(token: str, public_key: rsa.RSAPublicKey) -> dict[str, Any]:
    """The claims of a verified application JWT (the sandbox's check of our calls)."""
    try:
        head, payload, signature = token.split(".")
        public_key.verify(
            _unb64(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256()
        )
        claims = orjson.loads(_unb64(payload))
    except Exception as exc:  # any malformed or mis-signed token is the same refusal
        raise SignatureError("application JWT does not verify") from exc
    if not isinstance(claims, dict):
        raise SignatureError("application JWT claims are not an object")
    return claims


class VonageVoiceVerifier:
    """Checks a Voice webhook's ``Authorization`` against the raw body."""

    def __init__(
        self,
        api_key: str,
        signature_secret: str,
        *,
        tolerance_s: float = 300.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api_key = api_key
        self._secret = signature_secret
        self._tolerance_s = tolerance_s
        self._clock = clock

    def verify(self, authorization: str, body: bytes) -> None:
        """Raises ``SignatureError`` unless the JWT is ours, fresh and covers ``body``."""
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or token.count(".") != 2:
            raise SignatureError("no bearer JWT")
        head, payload, signature = token.split(".")
        try:  # a header byte not UTF-8 reaches us surrogate-escaped: encode() raises
            mac = hmac.new(self._secret.encode(), f"{head}.{payload}".encode(), hashlib.sha256)
            given = _unb64(signature)
            header, claims = orjson.loads(_unb64(head)), orjson.loads(_unb64(payload))
        except (ValueError, orjson.JSONDecodeError) as exc:
            raise SignatureError("malformed JWT") from exc
        # The algorithm is ours to choose, never the token's ("alg": "none" attacks).
        if not isinstance(header, dict) or header.get("alg") != "HS256":
            raise SignatureError("JWT is not HS256")
        if not hmac.compare_digest(mac.digest(), given):
            raise SignatureError("JWT signature does not match")
        if not isinstance(claims, dict) or claims.get("api_key") != self._api_key:
            raise SignatureError("JWT is for another account")
        issued = claims.get("iat")
        if not isinstance(issued, int) or abs(self._clock() - issued) > self._tolerance_s:
            raise SignatureError("JWT outside the tolerance window")
        expected = hashlib.sha256(body).hexdigest()
        if not hmac.compare_digest(str(claims.get("payload_hash", "")), expected):
            raise SignatureError("payload_hash does not match the body")
