"""The cache's schema version: Alembic's answer, without Alembic at an ordinary start."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from alembic.script import ScriptDirectory

from desktop.store.database import HEAD_REVISION, MIGRATIONS_DIR

REPO = Path(__file__).resolve().parents[3]


def test_the_head_revision_the_app_checks_at_start_is_alembics_only_head() -> None:
    assert ScriptDirectory(str(MIGRATIONS_DIR)).get_heads() == [HEAD_REVISION]


def _open_cache_in_a_fresh_process(path: Path) -> str:
    """Open (creating or upgrading as needed) the cache at `path` in a new interpreter, the way the app
    starts; print whether Alembic got imported."""
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from desktop.store.database import make_engine, migrate
        engine = make_engine(Path({str(path)!r}), key=None)
        migrate(engine)
        engine.dispose()
        print("alembic" in sys.modules)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_alembic_is_loaded_to_build_a_new_cache_and_not_to_open_an_up_to_date_one(tmp_path: Path) -> None:
    path = tmp_path / "cache.sqlite"
    assert _open_cache_in_a_fresh_process(path) == "True"  # built by the migrations
    assert _open_cache_in_a_fresh_process(path) == "False"  # already at HEAD_REVISION
