"""Where a signed-in user's cache lives: one file per (server, user) on a shared workstation."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from platformdirs import user_data_dir

APP_NAME = "warddesk"
CACHE_FILE = "cache.sqlite"
_UNSAFE = re.compile(r"[^a-z0-9._-]")


def default_data_dir() -> Path:
    return Path(user_data_dir(APP_NAME, appauthor=False))


def _safe_part(value: str) -> str:
    # Never let a name climb out of its folder ("..", "/") or differ only by case on Windows.
    part = _UNSAFE.sub("_", value.strip().lower())
    if part.strip(".") == "":
        raise ValueError(f"{value!r} cannot name a cache folder")
    return part


def server_host(server_url: str) -> str:
    """The folder name of a server: its host, plus the port when one is given ("sync.example_8443")."""
    parts = urlsplit(server_url if "//" in server_url else f"//{server_url}")
    if not parts.hostname:
        raise ValueError(f"{server_url!r} is not a server address")
    return _safe_part(parts.hostname if parts.port is None else f"{parts.hostname}_{parts.port}")


def cache_path(*, server_url: str, username: str, data_dir: Path | None = None) -> Path:
    """`<data_dir>/users/<server-host>/<username>/cache.sqlite`. Raises ValueError for unusable names."""
    base = data_dir if data_dir is not None else default_data_dir()
    return base / "users" / server_host(server_url) / _safe_part(username) / CACHE_FILE
