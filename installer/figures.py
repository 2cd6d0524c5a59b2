"""`make installer-figures`: cold start of the packaged app against the virtualenv's, to the sign-in window.

The package in dist/installer/ is unpacked with `dpkg -x` into a scratch folder; then both apps run
`warddesk --self-test` (start, show the sign-in window offscreen, exit) in turns, each with a fresh empty
home, and the median wall time of each is printed with the package's size, as one JSON line.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from installer.build import DEFAULT_OUT_DIR, tree_bytes

RUNS = 7


def self_test_seconds(executable: Path, home: Path) -> float:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "WARDDESK_"))}
    env.update(HOME=str(home), QT_QPA_PLATFORM="offscreen")
    started = time.perf_counter()
    done = subprocess.run(
        [str(executable), "--self-test"], env=env, capture_output=True, text=True, timeout=120
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or "sign-in window shown=True" not in done.stdout:
        raise RuntimeError(f"{executable} did not reach its sign-in window:\n{done.stdout}\n{done.stderr}")
    return elapsed


def main() -> int:
    packages = sorted(DEFAULT_OUT_DIR.glob("warddesk_*_amd64.deb"), key=lambda path: path.stat().st_mtime)
    if not packages:
        raise SystemExit("no package in dist/installer: run `make installer` first")
    package = packages[-1]
    venv_app = Path(sys.executable).parent / "warddesk"
    with tempfile.TemporaryDirectory(prefix="warddesk-figures-") as folder:
        root = Path(folder) / "root"
        subprocess.run(["dpkg", "-x", str(package), str(root)], check=True)
        bundled_app = root / "opt/warddesk/warddesk"
        times: dict[str, list[float]] = {"bundled": [], "venv": []}
        for run in range(RUNS + 1):
            for name, app in (("bundled", bundled_app), ("venv", venv_app)):
                home = Path(folder) / f"home-{name}-{run}"
                home.mkdir()
                seconds = self_test_seconds(app, home)
                if run > 0:  # the first round only warms the disk cache for both
                    times[name].append(seconds)
        figures = {
            "package_mb": round(package.stat().st_size / 2**20, 1),
            "installed_mb": round(tree_bytes(root) / 2**20, 1),
            "cold_start_bundled_s": round(statistics.median(times["bundled"]), 3),
            "cold_start_venv_s": round(statistics.median(times["venv"]), 3),
            "runs": RUNS,
        }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
