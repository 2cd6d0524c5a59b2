"""The sync server's settings: one class, read from WARDDESK_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import platformdirs
from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "warddesk-development-secret-do-not-use-in-production"


class ReceiptLanguage(StrEnum):
    """The language of the receipts patients take home."""

    EN = "en"
    PT_BR = "pt_BR"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MailTransport(StrEnum):
    AUTO = "auto"  # SES when ses_endpoint_url is set, else .eml files
    SES = "ses"
    FILES = "files"


class HistoryStoreKind(StrEnum):
    POSTGRES = "postgres"  # the server's own database (the demo)
    DYNAMODB = "dynamodb"  # Amazon DynamoDB (ADR 006), or a compatible endpoint


class LogFormat(StrEnum):
    JSON = "json"  # one JSON object a line, for the log shipper
    TEXT = "text"


class Settings(BaseSettings):
    """Every setting of the sync server. The README lists them with their variables and defaults."""

    model_config = SettingsConfigDict(env_prefix="WARDDESK_", extra="ignore")

    environment: Environment = Environment.DEVELOPMENT
    database_url: str | None = Field(
        default=None,
        description="PostgreSQL URL; unset means an embedded PostgreSQL under data_dir.",
    )
    data_dir: Path = Field(default_factory=lambda: Path(platformdirs.user_data_dir("warddesk")))
    secret_key: str = DEVELOPMENT_SECRET
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    refresh_token_days: int = Field(default=30, ge=1, le=365)
    # How long a client whose refresh answer was lost may retry the used token (0: a reuse always ends it).
    refresh_retry_grace_seconds: int = Field(default=30, ge=0, le=600)
    # How long a doctor's break-the-glass access to a patient outside his care lasts.
    break_glass_minutes: int = Field(default=60, ge=1, le=24 * 60)
    # How often today's visits are re-checked for the wards' scopes (0: never, e.g. in tests).
    scope_refresh_seconds: float = Field(default=300, ge=0)
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_lockout_minutes: int = Field(default=15, ge=1)
    otel: bool = Field(default=False, description="FastAPI's OpenTelemetry traces, metrics and logs (OTLP).")
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    db_pool_size: int = Field(default=10, ge=1)
    amqp_url: str | None = None
    amqp_prefix: str = Field(
        default="", max_length=64, description="Prefix of exchange and queue names (tests use a unique one)."
    )
    amqp_delivery_limit: int = Field(
        default=5, ge=1, le=100, description="Redeliveries before a message is dead-lettered."
    )
    messaging_in_app: bool = Field(
        default=True, description="Run the outbox relay and the consumers inside the server process."
    )
    relay_batch_size: int = Field(default=200, ge=1, le=5000)
    relay_poll_seconds: float = Field(default=0.5, gt=0, le=60)
    consumer_retry_base_seconds: float = Field(default=1.0, ge=0, le=300)
    consumer_retry_max_seconds: float = Field(default=60.0, ge=0, le=3600)
    mail_transport: MailTransport = MailTransport.AUTO
    ses_endpoint_url: str | None = None
    ses_region: str = "eu-west-1"
    mail_sender: str = "appointments@warddesk.local"
    mail_dir: Path | None = None
    # Booking sagas (sync_server/booking): how long a hold blocks a slot before it is released,
    # how long a saga's executor owns it, how often retries happen, and how long a request waits inline.
    booking_hold_seconds: int = Field(default=120, ge=5, le=3600)
    booking_saga_lease_seconds: float = Field(default=30.0, gt=0, le=600)
    booking_saga_max_attempts: int = Field(default=5, ge=1, le=50)
    booking_runner_enabled: bool = True
    booking_runner_interval_seconds: float = Field(default=1.0, gt=0, le=300)
    booking_inline_wait_seconds: float = Field(default=2.0, ge=0, le=30)
    # Offline sync (sync_server/sync): how long deletes are remembered (a desktop offline for longer must
    # refetch everything), and how often a long poll re-checks the feed when change notices are not heard.
    # Operations (docs/operations.md): where the secret comes from, proxy trust, TLS, limits, metrics, logs.
    secret_key_file: Path | None = Field(
        default=None, description="A file holding the secret key (e.g. a Docker or Kubernetes secret)."
    )
    secret_key_aws_secret_id: str | None = Field(
        default=None, description="An AWS Secrets Manager secret holding the secret key (read at start)."
    )
    secrets_region: str = "eu-west-1"
    secrets_endpoint_url: str | None = None
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed; empty: none (the peer's own address is the client's).",
    )
    tls_certfile: Path | None = None
    tls_keyfile: Path | None = None
    hsts_seconds: int = Field(default=31_536_000, ge=0, description="HSTS max-age when served over TLS.")
    api_docs: bool | None = Field(
        default=None, description="Serve /docs and /openapi.json; unset: everywhere but production."
    )
    rate_limit_per_address: int = Field(
        default=1200, ge=0, description="Requests a minute from one client address (0: no limit)."
    )
    rate_limit_per_user: int = Field(
        default=600, ge=0, description="Requests a minute by one signed-in user (0: no limit)."
    )
    metrics_token: str | None = Field(
        default=None,
        description="Bearer token /metrics requires; unset: /metrics is open, off in production.",
    )
    log_format: LogFormat = LogFormat.JSON
    log_level: str = "INFO"
    tombstone_days: float = Field(default=30, gt=0, le=3650)
    long_poll_recheck_seconds: float = Field(default=5.0, gt=0, le=60)
    # Lab reports and exam results (sync_server/documents): S3 when a bucket is set, else a local folder.
    documents_bucket: str | None = None
    documents_region: str = "eu-west-1"
    documents_endpoint_url: str | None = Field(default=None, description="An S3-compatible endpoint")
    documents_key_prefix: str = Field(default="documents/", max_length=200)
    documents_dir: Path | None = Field(default=None, description="The local store's folder (no bucket)")
    documents_max_mb: int = Field(default=50, ge=1, le=5000)
    documents_part_mb: int = Field(default=8, ge=5, le=512, description="Multipart part size")
    documents_multipart_above_mb: int = Field(
        default=32, ge=5, le=5000, description="Larger files go up to S3 in parts; smaller in one PUT"
    )
    documents_link_minutes: int = Field(default=5, ge=1, le=60, description="Lifetime of document links")
    # The patient's history (sync_server/history): a PostgreSQL table, or DynamoDB when asked for.
    history_store: HistoryStoreKind = HistoryStoreKind.POSTGRES
    history_table: str = Field(default="warddesk-history", min_length=3, max_length=255)
    history_region: str = "eu-west-1"
    history_endpoint_url: str | None = Field(default=None, description="A DynamoDB-compatible endpoint")
    # Payments at the desk (sync_server/payments): the receipts' heading and the zone a cash day is in.
    hospital_name: str = Field(default="WardDesk Hospital", min_length=1, max_length=120)
    hospital_time_zone: str = Field(
        default="Europe/Lisbon",
        description="IANA zone of the hospital: a cash report's day starts at its midnight",
    )
    receipt_language: ReceiptLanguage = ReceiptLanguage.EN

    @field_validator("hospital_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value!r} is not an IANA time zone such as America/Sao_Paulo") from None
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        from sync_server.core.secrets import low_entropy_reason, read_secret_key

        self.secret_key = read_secret_key(
            value=self.secret_key,
            file=self.secret_key_file,
            aws_secret_id=self.secret_key_aws_secret_id,
            region=self.secrets_region,
            endpoint_url=self.secrets_endpoint_url,
        )
        if self.environment is Environment.PRODUCTION and (why := low_entropy_reason(self.secret_key)):
            raise ValueError(
                f"WARDDESK_SECRET_KEY is too weak for production ({why}); generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
            )
        if (self.tls_certfile is None) != (self.tls_keyfile is None):
            raise ValueError("WARDDESK_TLS_CERTFILE and WARDDESK_TLS_KEYFILE must be set together")
        self.proxy_networks  # noqa: B018 - refuses a malformed WARDDESK_TRUSTED_PROXIES at start
        if self.environment is not Environment.DEVELOPMENT and (
            self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32
        ):
            raise ValueError(
                "WARDDESK_SECRET_KEY must be set to a random value of at least 32 characters "
                f"outside development (environment is {self.environment.value})"
            )
        if self.environment is Environment.PRODUCTION and self.database_url is None:
            raise ValueError(
                "WARDDESK_DATABASE_URL must be set in production (the embedded database is for demos)"
            )
        return self

    @property
    def proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        """The trusted proxies as networks (a bare address is a network of one)."""
        try:
            return tuple(
                ip_network(part.strip(), strict=False)
                for part in self.trusted_proxies.split(",")
                if part.strip()
            )
        except ValueError as exc:
            raise ValueError(f"WARDDESK_TRUSTED_PROXIES: {exc}") from None

    @property
    def tls(self) -> bool:
        return self.tls_certfile is not None

    @property
    def serves_api_docs(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment is not Environment.PRODUCTION

    @property
    def effective_mail_dir(self) -> Path:
        return self.mail_dir or self.data_dir / "outgoing-mail"
