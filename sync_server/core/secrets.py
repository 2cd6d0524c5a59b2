"""Where the server's secret key comes from (the environment, a file, AWS Secrets Manager), and whether
it is strong enough for production."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

# Below this a secret is guessable; 32 random hex digits (128 bits) estimate at 105-120, so 96 accepts them.
MIN_ENTROPY_BITS = 96
MIN_DISTINCT_CHARACTERS = 12


def estimated_entropy_bits(value: str) -> float:
    """The string's length times the Shannon entropy of its own characters: an upper bound on what a
    person-made secret holds, and about right for a random one."""
    if not value:
        return 0.0
    counts = Counter(value)
    per_char = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    return per_char * len(value)


def low_entropy_reason(value: str) -> str | None:
    """Why `value` is not a production secret, or None when it looks random enough."""
    if len(value.strip()) < 32:
        return "shorter than 32 characters, or blank"
    if len(set(value)) < MIN_DISTINCT_CHARACTERS:
        return f"fewer than {MIN_DISTINCT_CHARACTERS} different characters"
    for period in range(1, len(value) // 2 + 1):
        if (value[:period] * (len(value) // period + 1))[: len(value)] == value:
            return f"a {period}-character pattern repeated"
    bits = estimated_entropy_bits(value)
    if bits < MIN_ENTROPY_BITS:
        return f"about {bits:.0f} bits of entropy, {MIN_ENTROPY_BITS} needed"
    return None


class SecretUnavailable(ValueError):
    """The configured secret source could not be read (a ValueError, so settings validation reports it)."""


def read_secret_key(
    *, value: str, file: Path | None, aws_secret_id: str | None, region: str, endpoint_url: str | None
) -> str:
    """The secret key: from AWS Secrets Manager when a secret id is set, else from the file when set, else
    `value` (WARDDESK_SECRET_KEY). Raises SecretUnavailable when the chosen source cannot be read."""
    if aws_secret_id:
        return _from_secrets_manager(aws_secret_id, region=region, endpoint_url=endpoint_url)
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SecretUnavailable(f"WARDDESK_SECRET_KEY_FILE cannot be read: {exc.strerror}") from None
        if not text:
            raise SecretUnavailable("WARDDESK_SECRET_KEY_FILE is empty")
        return text
    return value


def _from_secrets_manager(secret_id: str, *, region: str, endpoint_url: str | None) -> str:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("secretsmanager", region_name=region, endpoint_url=endpoint_url)
    try:
        answer = client.get_secret_value(SecretId=secret_id)
    except (BotoCoreError, ClientError) as exc:
        raise SecretUnavailable(f"AWS Secrets Manager secret {secret_id!r} cannot be read: {exc}") from None
    text = str(answer.get("SecretString") or "").strip()
    # A secret stored as JSON (the console's key/value form) holds the key under "secret_key".
    if text.startswith("{"):
        try:
            text = str(json.loads(text)["secret_key"]).strip()
        except (ValueError, KeyError):
            raise SecretUnavailable(
                f"AWS secret {secret_id!r} is JSON without a 'secret_key' entry"
            ) from None
    if not text:
        raise SecretUnavailable(f"AWS secret {secret_id!r} is empty")
    return text
