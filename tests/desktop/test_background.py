from __future__ import annotations

import threading

from PySide6.QtCore import QObject

from desktop.ops.background import Executors, Op


def test_work_runs_off_the_ui_thread_and_the_answer_comes_back_on_it(qtbot):
    executors = Executors()
    parent = QObject()
    seen: dict[str, object] = {}

    def work() -> int:
        seen["work_thread"] = threading.current_thread()
        return 42

    def done(value: int) -> None:
        seen["value"] = value
        seen["callback_thread"] = threading.current_thread()

    Op(parent, work).success(done).run_on(executors.store)
    qtbot.waitUntil(lambda: "value" in seen, timeout=2000)
    executors.shutdown()
    assert seen["value"] == 42
    assert seen["work_thread"] is not threading.main_thread()
    assert seen["callback_thread"] is threading.main_thread()


def test_a_failure_reaches_the_failure_callback_not_the_void(qtbot):
    executors = Executors()
    parent = QObject()
    errors: list[BaseException] = []

    def work() -> None:
        raise RuntimeError("disk full")

    Op(parent, work).failure(errors.append).run_on(executors.network)
    qtbot.waitUntil(lambda: bool(errors), timeout=2000)
    executors.shutdown()
    assert str(errors[0]) == "disk full"


def test_an_unhandled_failure_goes_to_the_sessions_handler(qtbot):
    executors = Executors()
    parent = QObject()
    unhandled: list[BaseException] = []
    executors.on_unhandled = unhandled.append

    def work() -> None:
        raise ValueError("bug")

    Op(parent, work).run_on(executors.store, executors=executors)
    qtbot.waitUntil(lambda: bool(unhandled), timeout=2000)
    executors.shutdown()
    assert isinstance(unhandled[0], ValueError)


def test_callbacks_never_run_inside_run_on_even_when_the_work_is_instant(qtbot):
    executors = Executors()
    parent = QObject()
    calls: list[str] = []
    future = Op(parent, lambda: "done").success(calls.append).run_on(executors.store)
    future.result()  # the work has finished...
    assert calls == []  # ...but the answer waits for the event loop
    qtbot.waitUntil(lambda: calls == ["done"], timeout=2000)
    executors.shutdown()


def test_the_answer_for_a_deleted_parent_is_dropped_quietly(qtbot):
    import shiboken6

    executors = Executors()
    parent = QObject()
    gate = threading.Event()
    calls: list[str] = []
    future = Op(parent, lambda: gate.wait(2) and "late").success(calls.append).run_on(executors.store)
    shiboken6.delete(parent)
    gate.set()
    future.result()
    qtbot.wait(50)
    executors.shutdown()
    assert calls == []
