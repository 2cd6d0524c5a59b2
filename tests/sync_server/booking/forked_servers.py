"""Many sync servers from one import: `python -m tests.sync_server.booking.forked_servers FD=POINT ...`.

The app is imported once, then one child per argument is forked; it serves on the inherited listening
socket FD with WARDDESK_CRASH_AT=POINT. When every child has exited, one line per child is printed:
"POINT EXIT_CODE" (-9 means it was killed by SIGKILL). Importing once keeps the crash test fast.
"""

from __future__ import annotations

import os
import sys

import uvicorn

from sync_server.app import create_app


def main(specs: list[str]) -> None:
    children: dict[int, str] = {}
    for spec in specs:
        fd, point = spec.split("=", 1)
        pid = os.fork()
        if pid == 0:
            os.environ["WARDDESK_CRASH_AT"] = point
            uvicorn.run(create_app(), fd=int(fd), log_level="warning")
            os._exit(0)
        children[pid] = point
    while children:
        pid, status = os.wait()
        print(children.pop(pid), os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
