"""The sync server's settings: one class, read from WARDDESK_* environment variables."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

import platformdirs
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "warddesk-development-secret-do-not-use-in-production"


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class MailTransport(StrEnum):
    AUTO = "auto"  # SES when ses_endpoint_url is set, else .eml files
    SES = "ses"
    FILES = "files"


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
    documents_link_minutes: int = Field(default=5, ge=1, le=60, description="Lifetime of document links")

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
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
    def effective_mail_dir(self) -> Path:
        return self.mail_dir or self.data_dir / "outgoing-mail"
