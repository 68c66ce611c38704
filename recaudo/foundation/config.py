"""The one settings object; every process reads it once at start and passes it in."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


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
                raise ValueError(f"RECAUDO_PROVIDER_RATES: bad entry {item!r}") from exc
        return out

    public_base_url: str = "http://127.0.0.1:8080"

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
