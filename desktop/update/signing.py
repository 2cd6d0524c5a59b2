"""Ed25519 detached signatures over whole release packages."""

from __future__ import annotations

import hashlib
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class SignatureInvalid(Exception):
    """The package is not what the release key signed: tampered, truncated, or signed by another key."""


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    """A PEM SubjectPublicKeyInfo Ed25519 key; raises ValueError for anything else."""
    key = serialization.load_pem_public_key(pem)
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError("the release key is not an Ed25519 public key")
    return key


def fingerprint(key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw key, first 16 hex digits in groups of 4 (for people to compare)."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    digest = hashlib.sha256(raw).hexdigest()[:16]
    return ":".join(digest[i : i + 4] for i in range(0, 16, 4))


def verify_package(package: Path, signature: bytes, key: Ed25519PublicKey) -> None:
    """Raise SignatureInvalid unless `signature` is the release key's signature of the package's bytes."""
    if len(signature) != 64:
        raise SignatureInvalid("the signature is not an Ed25519 signature (64 bytes)")
    try:
        key.verify(signature, package.read_bytes())
    except InvalidSignature as exc:
        raise SignatureInvalid("the package does not match its signature") from exc
