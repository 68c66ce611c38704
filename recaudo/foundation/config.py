"""The one settings object; every process reads it once at start and passes it in."""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from recaudo.foundation.clock import WALL_CLOCK, Clock, ScaledClock
from recaudo.foundation.errors import ConfigError
from recaudo.foundation.redact import redact_value

ENV_PREFIX = "RECAUDO_"
#: Published in the source, so anyone could mint links with it: development only.
DEV_PAY_LINK_SECRET = "recaudo-dev-only-pay-link-secret"
#: The shortest payment-link secret production accepts (e.g. ``openssl rand -hex 32``).
MIN_PAY_LINK_SECRET = 32


class Settings(BaseSettings):
    """Environment variables with the ``RECAUDO_`` prefix, e.g. ``RECAUDO_BROKER_URL``."""

    # No setting means nan or infinity: a clock speed or a tick of nan passes every
    # bound's comparison and stops a run half-way.
    model_config = SettingsConfigDict(
        env_prefix="RECAUDO_", frozen=True, extra="ignore", allow_inf_nan=False
    )

    app_id: str = "recaudo"
    broker_url: str = "kafka://127.0.0.1:9092"
    redis_url: str = Field(
        default="redis://127.0.0.1:6379/0",
        pattern=r"^(redis|rediss|unix)(\+cluster)?://",
        description="redis://, rediss:// or unix://; +cluster for a Redis Cluster",
    )
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
    web_port: int = Field(default=8080, ge=1, le=65535)
    worker_web_port: int = Field(default=6066, ge=1, le=65535)
    # The most events one agent step takes of what the consumer queued for it, and how
    # long a step that found fewer waits, once, for more (streams.agent_batches).
    batch_size: int = Field(default=200, ge=1)
    batch_within_s: float = Field(default=0.01, ge=0)
    # Payments, opt-outs, legal flags, replies and receipts are decided ahead of the
    # bulk of snapshots (streams.lanes); off: one agent in arrival order.
    urgent_lane: bool = True
    # How the consumer's buffer rotates between partitions (the urgent lane's latency
    # under a flood): the client hands out buffered records partition by partition, in
    # the order they were fetched, and Faust pushes each hand-out into the agents'
    # buffers before it takes the next. Small fetches per partition put a payment's
    # partition in line behind a few snapshots, not megabytes of them; small hand-outs
    # bound how long a full bulk buffer holds the rest (bench/urgent_flood.py).
    broker_max_poll_records: int = Field(default=50, ge=1)
    broker_max_partition_fetch_bytes: int = Field(default=16 * 1024, ge=1024)
    schedule_tick_s: float = 0.5
    # A stopping worker exits by then even if the broker is gone (un-acked work replays).
    shutdown_deadline_s: float = Field(default=45.0, gt=0)
    schedule_shards: int = Field(default=16, ge=1)
    # How long an event id is remembered for de-duplication.
    dedupe_ttl_s: int = Field(default=7 * 24 * 3600, ge=1)
    contact_ttl_s: int = Field(default=24 * 3600, ge=1)
    # A dun waits this long on the clock before it goes to a provider, so a payment,
    # opt-out or reply sent with its trigger (another topic, another fetch) can
    # still cancel it; answers to a debtor's reply go at once. Above the
    # dispatcher's inline wait (2 s), so the wait is a hold the cancel can win.
    contact_settle_s: float = Field(default=5.0, ge=0)
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

    # Where debtors reach the web app (payment links, webhooks). Unset: this
    # host's web port on loopback, so a dev stack on another port keeps working links.
    public_base_url: str = "http://127.0.0.1:8080"

    @model_validator(mode="before")
    @classmethod
    def _public_base_url_follows_web_port(cls, data: Any) -> Any:
        # Before validation, because the field itself is read everywhere as a plain str;
        # the default above is what this gives for the default port.
        if isinstance(data, dict) and data.get("public_base_url") in (None, ""):
            port = data.get("web_port", cls.model_fields["web_port"].default)
            data = {**data, "public_base_url": f"http://127.0.0.1:{port}"}
        return data

    # How often the web process recomputes the outcome gauges (a scan per tenant).
    report_refresh_s: float = Field(default=60.0, gt=0)
    # Keys the payment links in messages (GET /pay/{token}); the worker and the web
    # app must share it. The default is for development only: production refuses it.
    pay_link_secret: SecretStr = SecretStr(DEV_PAY_LINK_SECRET)
    pay_link_ttl_s: int = Field(default=7 * 24 * 3600, ge=60)
    # Simulated time (the demo): from clock_start, clock_speed times faster than the
    # wall clock counted from the Unix instant clock_origin. Unset: the wall clock.
    clock_start: dt.datetime | None = None
    clock_origin: float = 0.0
    clock_speed: float = Field(default=1.0, gt=0)

    def clock(self) -> Clock:
        """The one clock of the decision path (the wall clock unless simulating)."""
        if self.clock_start is None:
            return WALL_CLOCK
        return ScaledClock(self.clock_start, self.clock_origin, self.clock_speed)

    # Where this runs ("production", "staging", ...): a dry run in production alerts,
    # and production will not start with the published or a short pay-link secret.
    environment: str = "development"

    @model_validator(mode="after")
    def _production_pay_link_secret(self) -> Settings:
        # With the published default anyone can mint valid payment links.
        if self.environment.strip().lower() != "production":
            return self
        secret = self.pay_link_secret.get_secret_value()
        if secret == DEV_PAY_LINK_SECRET or len(secret) < MIN_PAY_LINK_SECRET:
            raise ValueError(
                "RECAUDO_PAY_LINK_SECRET: in production it must be set, not the published "
                f"default, and at least {MIN_PAY_LINK_SECRET} characters long"
            )
        return self

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
                if out.get(key, tenant) != tenant:
                    # Never print the key itself: name the tenants that share it.
                    raise ValueError(
                        f"RECAUDO_API_KEYS: one key is given to two tenants "
                        f"({out[key]!r} and {tenant!r}); each tenant needs its own"
                    )
                out[key] = tenant
        return out

    def served_tenants(self) -> frozenset[str]:
        """The tenants this deployment serves: ``tenants`` and every API key's tenant."""
        named = {t.strip() for t in self.tenants.split(",") if t.strip()}
        return frozenset(named | set(self.tenant_keys().values()))

    @model_validator(mode="after")
    def check_api_keys(self) -> Settings:
        """A key shared by two tenants would let one act for the other, a sender shared
        by two would route one's replies to the other: refuse to start."""
        self.tenant_keys()
        self.sender_tenants()
        return self

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    # Accepted clock skew of an event's occurred_at: at most this far in the future, and
    # (when above 0) at most event_max_age_s in the past. Backfills need the age unset.
    event_future_skew_s: float = Field(default=300.0, ge=0)
    event_max_age_s: float = Field(default=0.0, ge=0)

    # HTTP intake: a body must arrive within this many seconds (slow clients get 408);
    # each tenant has at most this many batches in flight, produced in chunks.
    http_body_timeout_s: float = Field(default=10.0, gt=0)
    http_tenant_concurrency: int = Field(default=4, ge=1)
    http_produce_chunk: int = Field(default=500, ge=1)

    # Our sender numbers and addresses per tenant, "acme=+15550001|billing@acme.example,
    # globex=+15550002": a reply is routed to the tenant whose sender the debtor wrote to.
    tenant_senders: str = ""

    def sender_tenants(self) -> dict[str, str]:
        """Sender address -> tenant id."""
        out: dict[str, str] = {}
        for item in (p.strip() for p in self.tenant_senders.split(",") if p.strip()):
            tenant, sep, senders = item.partition("=")
            if not sep or not tenant.strip():
                raise ValueError("RECAUDO_TENANT_SENDERS: each entry must be tenant=sender|...")
            for sender in (x.strip() for x in senders.split("|") if x.strip()):
                if out.get(sender, tenant.strip()) != tenant.strip():
                    # A reply to it would go to one of them only: the other's STOP lost.
                    raise ValueError(
                        f"RECAUDO_TENANT_SENDERS: sender {sender!r} is given to two tenants "
                        f"({out[sender]!r} and {tenant.strip()!r}); list it for neither, and "
                        "replies to it are matched by the debtor's address in every tenant"
                    )
                out[sender] = tenant.strip()
        return out

    # --- Deployment (issue 9) ---
    # The worker's /healthz, /readyz and /metrics listener; unset: ``web_host``.
    # Containers set 0.0.0.0 so the orchestrator and Prometheus can reach it.
    worker_web_host: str | None = None
    # Where Faust keeps its table and leader files; must be writable by the
    # process's user (the image's non-root user owns /var/lib/recaudo).
    # Unset: Faust's default, ``<app_id>-data`` in the working directory.
    data_dir: str | None = None
    # Kafka security: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
    broker_security_protocol: str = Field(
        default="PLAINTEXT", pattern="^(PLAINTEXT|SSL|SASL_PLAINTEXT|SASL_SSL)$"
    )
    broker_sasl_mechanism: str = Field(
        default="PLAIN", pattern="^(PLAIN|SCRAM-SHA-256|SCRAM-SHA-512)$"
    )
    broker_sasl_username: str = ""
    broker_sasl_password: SecretStr = SecretStr("")
    # PEM files; unset cafile: the system's trust store.
    broker_ssl_cafile: str | None = None
    broker_ssl_certfile: str | None = None
    broker_ssl_keyfile: str | None = None
    topic_replication_factor: int = Field(default=1, ge=1)
    # Off where topics are managed outside Recaudo (and brokers refuse to
    # auto-create): processes then check the topics exist and stop if not.
    topic_allow_create: bool = True
    # Redis Cluster: also selected by a ``redis+cluster://`` or
    # ``rediss+cluster://`` URL.
    redis_cluster: bool = False

    # How often web and worker check that the broker still holds its data.
    broker_check_interval_s: float = Field(default=10.0, gt=0)

    # Outbound webhooks (channels.outbound): endpoint URLs must be https and public
    # unless these allow plain http or loopback/private/link-local/reserved addresses.
    webhook_allow_http: bool = False
    webhook_allow_private: bool = False
    webhook_timeout_s: float = Field(default=10.0, gt=0)
    # How long after a secret rotation the previous secret still signs.
    webhook_rotation_overlap_s: int = Field(default=24 * 3600, ge=0)

    @property
    def worker_host(self) -> str:
        return self.worker_web_host or self.web_host

    @property
    def is_redis_cluster(self) -> bool:
        return self.redis_cluster or "+cluster://" in self.redis_url

    @model_validator(mode="after")
    def _heartbeat_within_session(self) -> Settings:
        # Fewer than three heartbeats per session timeout and one delayed
        # heartbeat evicts a healthy worker (a needless rebalance).
        if self.broker_heartbeat_interval_s * 3 > self.broker_session_timeout_s:
            raise ValueError(
                "RECAUDO_BROKER_HEARTBEAT_INTERVAL_S must be at most a third of "
                "RECAUDO_BROKER_SESSION_TIMEOUT_S"
            )
        return self


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
    """Settings from the environment, or a ``ConfigError`` naming each variable and its
    problem, never the value (a mistyped secret must not end up in a log)."""
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
        raise ConfigError(describe_settings_error(exc)) from None
    settings.rates()  # parsed now, so a bad entry stops the start, not the first send
    path = settings.providers_file
    if path is not None and not os.access(path, os.R_OK):
        raise ConfigError(f"{ENV_PREFIX}PROVIDERS_FILE={path!r}: the file cannot be read")
    return settings


def describe_settings_error(exc: ValidationError) -> str:
    """One line: each variable and its problem, never its value."""
    problems = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        field = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        # A check across settings names its variables in the message itself.
        problems.append(f"RECAUDO_{field.upper()}: {message}" if field else message)
    return "invalid settings: " + "; ".join(problems)


def effective(settings: Settings) -> dict[str, Any]:
    """Every setting as it is in force, secrets masked, keyed by environment variable:
    ``SecretStr`` fields, and in every other string the credentials of any URL."""
    dumped = settings.model_dump(mode="json")
    return {
        f"{ENV_PREFIX}{name.upper()}": redact_value(v) if isinstance(v, str) else v
        for name, v in sorted(dumped.items())
    }
