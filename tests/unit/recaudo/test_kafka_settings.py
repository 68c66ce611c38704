"""Kafka security and topic settings reach both Faust and our own aiokafka clients."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import cast

import faust
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from prometheus_client import CollectorRegistry
from pydantic import ValidationError

from recaudo.channels.dispatch.stage import Dispatching
from recaudo.foundation.config import Settings
from recaudo.foundation.errors import ConfigError
from recaudo.foundation.kafka_security import client_options, faust_options
from tests.certificates import self_signed_pem


def test_plaintext_is_the_default_and_declares_topics() -> None:
    settings = Settings()
    assert client_options(settings) == {"security_protocol": "PLAINTEXT"}
    assert faust_options(settings) == {
        "broker_credentials": None,
        "topic_replication_factor": 1,
        "topic_allow_declare": True,
    }


def test_sasl_ssl_reaches_aiokafka_and_faust_with_the_same_secret() -> None:
    settings = Settings(
        broker_security_protocol="SASL_SSL",
        broker_sasl_mechanism="SCRAM-SHA-512",
        broker_sasl_username="svc-recaudo",
        broker_sasl_password="s3cret",
        topic_replication_factor=3,
        topic_allow_create=False,
    )
    options = client_options(settings)
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "svc-recaudo",
        "s3cret",
    )
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert "s3cret" not in repr(settings)

    app_options = faust_options(settings)
    credentials = app_options["broker_credentials"]
    assert isinstance(credentials, faust.SASLCredentials)
    assert credentials.protocol.value == "SASL_SSL"
    assert credentials.mechanism.value == "SCRAM-SHA-512"
    assert credentials.password == "s3cret"
    assert app_options["topic_replication_factor"] == 3
    assert app_options["topic_allow_declare"] is False


def test_faust_builds_its_consumer_with_these_credentials() -> None:
    """Faust's own translation to aiokafka keyword arguments, not just ours."""
    from faust.transport.drivers.aiokafka import credentials_to_aiokafka_auth

    settings = Settings(
        broker_security_protocol="SASL_PLAINTEXT",
        broker_sasl_username="u",
        broker_sasl_password="p",
    )
    app = faust.App("kafka-settings-test", **faust_options(settings))
    auth = credentials_to_aiokafka_auth(app.conf.broker_credentials, app.conf.ssl_context)
    assert auth["security_protocol"] == "SASL_PLAINTEXT"
    assert (auth["sasl_mechanism"], auth["sasl_plain_username"]) == ("PLAIN", "u")
    assert app.conf.topic_replication_factor == 1


def test_tls_only_uses_ssl_credentials() -> None:
    settings = Settings(broker_security_protocol="SSL")
    assert isinstance(faust_options(settings)["broker_credentials"], faust.SSLCredentials)
    assert "sasl_mechanism" not in client_options(settings)


def write_pair(folder: Path, password: bytes | None = None) -> tuple[Path, Path]:
    """A self-signed certificate and its key, the key encrypted with ``password``."""
    key = ec.generate_private_key(ec.SECP256R1())
    encryption = (
        serialization.BestAvailableEncryption(password)
        if password
        else serialization.NoEncryption()
    )
    cert_path, key_path = folder / "worker.crt", folder / "worker.key"
    cert_path.write_bytes(self_signed_pem(key, "worker"))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return cert_path, key_path


def test_unusable_tls_files_stop_the_start_naming_the_setting(tmp_path: Path) -> None:
    """A missing or malformed PEM, or an encrypted key (which OpenSSL would ask for
    on a terminal), is a clear error naming the variable, not a traceback or a hang."""
    cert, key = write_pair(tmp_path)
    usable = Settings(
        broker_security_protocol="SSL",
        broker_ssl_cafile=str(cert),
        broker_ssl_certfile=str(cert),
        broker_ssl_keyfile=str(key),
    )
    assert client_options(usable)["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    (tmp_path / "bad.pem").write_text("not a certificate", encoding="utf-8")
    locked = tmp_path / "locked"
    locked.mkdir()
    locked_cert, locked_key = write_pair(locked, b"secret")
    refused = [
        ({"broker_ssl_cafile": str(tmp_path / "missing.pem")}, "RECAUDO_BROKER_SSL_CAFILE"),
        ({"broker_ssl_cafile": str(tmp_path / "bad.pem")}, "RECAUDO_BROKER_SSL_CAFILE"),
        ({"broker_ssl_certfile": str(tmp_path / "bad.pem")}, "RECAUDO_BROKER_SSL_CERTFILE"),
        (
            {"broker_ssl_certfile": str(locked_cert), "broker_ssl_keyfile": str(locked_key)},
            "unencrypted key",
        ),
        ({"broker_ssl_keyfile": str(key)}, "needs RECAUDO_BROKER_SSL_CERTFILE"),
    ]
    for fields, named in refused:
        settings = Settings.model_validate({"broker_security_protocol": "SASL_SSL", **fields})
        with pytest.raises(ConfigError, match=named):
            client_options(settings)
        with pytest.raises(ConfigError, match=named):
            faust_options(settings)


@pytest.mark.parametrize(
    ("field", "value"),
    [("broker_security_protocol", "TLS"), ("broker_sasl_mechanism", "GSSAPI")],
)
def test_unsupported_security_values_are_refused(field: str, value: str) -> None:
    with pytest.raises(ValidationError, match=field):
        Settings.model_validate({field: value})


def test_group_timeouts_reach_faust_and_heartbeats_fit_in_the_session() -> None:
    """The session timeout bounds fail-over after a worker dies (README); it
    must leave room for at least three heartbeats or healthy workers get evicted."""
    from recaudo.streams.app import build_app
    from recaudo.streams.wiring import build_wiring

    settings = Settings(broker_session_timeout_s=6.0, broker_heartbeat_interval_s=1.0)
    wiring = build_wiring(
        settings,
        registry=CollectorRegistry(),
        dispatcher_factory=lambda *_: cast(Dispatching, None),
    )
    app = build_app(settings, wiring)
    assert app.conf.broker_session_timeout == 6.0
    assert app.conf.broker_heartbeat_interval == 1.0
    with pytest.raises(ValidationError, match="at most a third"):
        Settings(broker_session_timeout_s=6.0, broker_heartbeat_interval_s=2.5)
