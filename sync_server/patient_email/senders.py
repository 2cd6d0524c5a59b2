"""Ways out for an email: Amazon SES, or a folder of .eml files (demo, and installs without SES)."""

from __future__ import annotations

import os
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from sync_server.core.config import MailTransport, Settings
from sync_server.messaging.consumers import PermanentFailure, TemporaryFailure

# SES answers that resending the same message cannot fix; a person must act (then replay it).
_PERMANENT_SES_ERRORS = frozenset(
    {"MessageRejected", "MailFromDomainNotVerifiedException", "InvalidParameterValue", "AccessDenied"}
)


class MailSender(Protocol):
    provider: str

    def send(self, message: EmailMessage, *, key: str) -> str:
        """Send; returns the provider's id for the message. `key` is stable per event (for idempotent
        writers). Raises TemporaryFailure (try again later) or PermanentFailure."""
        ...


class SesSender:
    provider = "ses"

    def __init__(
        self, *, region: str, endpoint_url: str | None = None, timeout_seconds: float = 10.0
    ) -> None:
        # Short timeouts and few retries: the queue's backoff and delivery limit do the patient retrying.
        config = Config(
            connect_timeout=timeout_seconds,
            read_timeout=timeout_seconds,
            retries={"max_attempts": 2, "mode": "standard"},
        )
        self._client = boto3.client("ses", region_name=region, endpoint_url=endpoint_url, config=config)

    def send(self, message: EmailMessage, *, key: str) -> str:
        try:
            answer = self._client.send_raw_email(
                Source=str(message["From"]),
                Destinations=[str(message["To"])],
                RawMessage={"Data": message.as_bytes()},
            )
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _PERMANENT_SES_ERRORS:
                raise PermanentFailure(f"SES refused the message ({code}): {exc}") from exc
            raise TemporaryFailure(f"SES error {code}: {exc}") from exc
        except BotoCoreError as exc:
            raise TemporaryFailure(f"SES unreachable: {exc}") from exc
        return str(answer["MessageId"])


class FolderSender:
    """Writes each message as <key>.eml; the same key overwrites, so a redelivery makes no second file."""

    provider = "file"

    def __init__(self, folder: Path) -> None:
        self._folder = folder

    def send(self, message: EmailMessage, *, key: str) -> str:
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            target = self._folder / f"{key}.eml"
            handle, temporary = tempfile.mkstemp(dir=self._folder, suffix=".tmp")
            with os.fdopen(handle, "wb") as file:
                file.write(message.as_bytes())
            os.replace(temporary, target)  # atomic: a reader never sees half a message
        except OSError as exc:
            raise TemporaryFailure(f"cannot write the mail file in {self._folder}: {exc}") from exc
        return target.name


def mail_sender_from(settings: Settings) -> MailSender:
    """SES when configured (mail_transport=ses, or auto with ses_endpoint_url set), else .eml files."""
    transport = settings.mail_transport
    if transport is MailTransport.SES or (transport is MailTransport.AUTO and settings.ses_endpoint_url):
        return SesSender(region=settings.ses_region, endpoint_url=settings.ses_endpoint_url)
    return FolderSender(settings.effective_mail_dir)
