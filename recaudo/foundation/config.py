"""The one settings object; every process reads it once at start and passes it in."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from recaudo.foundation.errors import ConfigError

ENV_PREFIX = "RECAUDO_"
_URL_PASSWORD = re.compile(r"(://[^/@:]*:)[^/@]+@")


class Settings(BaseSettings):
    """Environment variables with the ``RECAUDO_`` prefix, e.g. ``RECAUDO_BROKER_URL``."""

    model_config = SettingsConfigDict(env_prefix="RECAUDO_", frozen=True, extra="ignore")

    app_id: str = "recaudo"
    broker_url: str = "kafka://127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6379/0"
    # Prefix of every Redis key, so several deployments can share one server.
    redis_prefix: str = "rc"
    redis_max_connections: int = Field(default=32, ge=1)
    topic_prefix: str = ""
    topic_partitions: int = Field(default=8, ge=1)
    # Dev brokers want short group timeouts or every start waits ~30 s to join.
    broker_session_timeout_s: float = 60.0
    broker_rebalance_timeout_s: float = 60.0
    broker_heartbeat_interval_s: float = 3.0
    broker_commit_interval_s: float = 2.8
    # How long a fetch may wait on the broker; see streams/transport.py.
    broker_fetch_max_wait_ms: int = Field(default=1500, ge=1)
    # Tenants this deployment serves (comma-separated); API-key tenants are added.
    tenants: str = ""
    # Per-tenant API keys for POST /v1/events, as "tenant:key,tenant2:key2".
    api_keys: SecretStr = SecretStr("")
    web_host: str = "127.0.0.1"
    web_port: int = 8080
    worker_web_port: int = 6066
    # How many events one agent step takes from the stream, and how long it waits to fill.
    batch_size: int = Field(default=200, ge=1)
    batch_within_s: float = 0.01
    schedule_tick_s: float = 0.5
    # A stopping worker exits by then even if the broker is gone (un-acked work replays).
    shutdown_deadline_s: float = Field(default=45.0, gt=0)
    schedule_shards: int = Field(default=16, ge=1)
    # How long an event id is remembered for de-duplication.
    dedupe_ttl_s: int = 7 * 24 * 3600
    contact_ttl_s: int = 24 * 3600
    policy_dir: str | None = None
    # Online learners choose channel and hour; off: the static cadence's first channel.
    learning: bool = True
    # JSON file of channels.credentials.ProviderCredentials; unset: contacts are
    # recorded in Redis instead of sent (a dry run).
    providers_file: str | None = None
    # Send every provider request to this host instead of the provider's (the sandbox).
    provider_base_url: str | None = None
    # Send-rate limits shared by all workers, "provider=per_second:burst,...",
    # e.g. "twilio=50:100,sendgrid=200:400". Unlisted providers are not limited.
    provider_rates: str = ""

    def rates(self) -> dict[str, tuple[float, int]]:
        out: dict[str, tuple[float, int]] = {}
        for item in (p.strip() for p in self.provider_rates.split(",") if p.strip()):
            name, _, spec = item.partition("=")
            per_second, _, burst = spec.partition(":")
            try:
                out[name.strip()] = (float(per_second), int(burst or 1))
            except ValueError as exc:
                raise ConfigError(f"RECAUDO_PROVIDER_RATES: bad entry {item!r}") from exc
        return out

    public_base_url: str = "http://127.0.0.1:8080"
    # Where this runs ("production", "staging", ...): a dry run in production alerts.
    environment: str = "development"
    # "json": one JSON object per log line (for shippers); "console": for a terminal (the demo).
    log_format: Literal["json", "console"] = "json"

    @property
    def dry_run(self) -> bool:
        """No provider credentials: contacts are recorded, never sent."""
        return self.providers_file is None

    def tenant_keys(self) -> dict[str, str]:
        """API key -> tenant id."""
        pairs = (p.strip() for p in self.api_keys.get_secret_value().split(",") if p.strip())
        out: dict[str, str] = {}
        for pair in pairs:
            tenant, _, key = pair.partition(":")
            if tenant and key:
                out[key] = tenant
        return out

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """``RECAUDO_*`` names that match no setting, each with the nearest real name.

    pydantic-settings ignores them, so a typo (``RECAUDO_PROVIDER_FILE``) used
    to leave the default in place without a word: here it stops the start.
    """
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    out = []
    for name in sorted(n for n in environ if n.upper().startswith(ENV_PREFIX)):
        if name.upper() in known:
            continue
        near = difflib.get_close_matches(name.upper(), sorted(known), n=1)
        out.append(f"{name} (did you mean {near[0]}?)" if near else name)
    return out


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from the environment, or a one-line ``ConfigError`` naming the variable."""
    env = os.environ if environ is None else environ
    unknown = unknown_variables(env)
    if unknown:
        raise ConfigError(f"unknown setting {', '.join(unknown)}")
    try:
        if environ is None:
            settings = Settings()
        else:
            values = {
                k[len(ENV_PREFIX) :].lower(): v
                for k, v in environ.items()
                if k.upper().startswith(ENV_PREFIX)
            }
            settings = Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        field = str(first["loc"][0]) if first["loc"] else "?"
        raise ConfigError(
            f"{ENV_PREFIX}{field.upper()}={first.get('input')!r}: {first['msg']}"
        ) from None
    settings.rates()  # parsed now, so a bad entry stops the start, not the first send
    path = settings.providers_file
    if path is not None and not os.access(path, os.R_OK):
        raise ConfigError(f"{ENV_PREFIX}PROVIDERS_FILE={path!r}: the file cannot be read")
    return settings


def effective(settings: Settings) -> dict[str, Any]:
    """Every setting as it is in force, secrets masked, keyed by environment variable."""
    dumped = settings.model_dump(mode="json")
    return {
        f"{ENV_PREFIX}{name.upper()}": _URL_PASSWORD.sub(r"\1****@", v) if isinstance(v, str) else v
        for name, v in sorted(dumped.items())
    }
