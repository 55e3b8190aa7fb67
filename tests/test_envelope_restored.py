"""Process state a step may change for its own use is put back when the step ends.

Signal handlers, timers and masks, the recursion limit, the standard streams
and hooks: a step may change them (``asyncio.run`` installs a SIGINT handler,
``contextlib.redirect_stdout`` rebinds ``sys.stdout``), but nothing it changed
outlives it. Outside steps the wrapped functions behave as they always did.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import signal
import socket
import sys
import threading

import pytest

from lifeos_core import ExecutionContext, Orchestrator, StepSpec, WorkflowDefinition


def in_a_step(action):
    """Run ``action()`` as the operation of a one-step workflow; it stores what it returns."""
    def operation(state, payload, context):
        state["returned"] = action()
        return state

    workflow = WorkflowDefinition("wf-change", [StepSpec("change", "runtime", {"operation": "change"})])
    return Orchestrator({"change": operation}).run_workflow(workflow, ExecutionContext())


def succeeded(result):
    assert result.success is True, result.error_message
    return result.final_state.get("returned")


# --- asyncio ---------------------------------------------------------------------------------------------


async def pure(value):
    await asyncio.sleep(0)
    return value * 2


def test_asyncio_run_of_a_pure_coroutine_works_in_a_step():
    handler = signal.getsignal(signal.SIGINT)
    assert succeeded(in_a_step(lambda: asyncio.run(pure(21)))) == 42
    assert signal.getsignal(signal.SIGINT) is handler


def test_asyncio_run_twice_and_gathered_tasks():
    async def several():
        return sum(await asyncio.gather(*(pure(n) for n in range(4))))

    assert succeeded(in_a_step(lambda: [asyncio.run(several()), asyncio.run(pure(1))])) == [12, 2]


def test_a_coroutine_that_reaches_the_network_is_still_refused():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]

    async def fetch():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.close()

    try:
        result = in_a_step(lambda: asyncio.run(fetch()))
        assert result.receipt["violation"]["action"] == "network access"
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


# --- signals -----------------------------------------------------------------------------------------------


def test_signal_handlers_are_put_back():
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGUSR1, signal.SIGUSR2, signal.SIGTERM)}

    def install():
        signal.signal(signal.SIGUSR1, lambda *args: None)
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)  # the first previous value is the one put back
        signal.signal(signal.SIGUSR2, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *args: None)

    try:
        succeeded(in_a_step(install))
        assert {signum: signal.getsignal(signum) for signum in before} == before
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def test_timers_masks_and_the_wakeup_fd_are_put_back():
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    mask_before = signal.pthread_sigmask(signal.SIG_BLOCK, set())
    wakeup_before = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(wakeup_before)
    try:
        def arm():
            signal.setitimer(signal.ITIMER_REAL, 300)  # would end the test run with SIGALRM if left armed
            signal.alarm(600)
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
            signal.set_wakeup_fd(writer.fileno())

        succeeded(in_a_step(arm))
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
        assert signal.alarm(0) == 0
        assert signal.pthread_sigmask(signal.SIG_BLOCK, set()) == mask_before
        assert signal.set_wakeup_fd(wakeup_before) == wakeup_before
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)  # whatever happened, leave no alarm for the test run
        signal.pthread_sigmask(signal.SIG_SETMASK, mask_before)
        signal.set_wakeup_fd(wakeup_before)
        reader.close()
        writer.close()


def test_a_timer_armed_before_the_step_stays_armed():
    signal.setitimer(signal.ITIMER_REAL, 500)
    try:
        succeeded(in_a_step(lambda: signal.setitimer(signal.ITIMER_REAL, 0)))
        remaining, _interval = signal.getitimer(signal.ITIMER_REAL)
        assert 0 < remaining <= 500
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


# --- sys settings and hooks -------------------------------------------------------------------------------


def test_the_recursion_limit_is_put_back():
    before = sys.getrecursionlimit()
    try:
        succeeded(in_a_step(lambda: sys.setrecursionlimit(60)))
        assert sys.getrecursionlimit() == before
    finally:
        sys.setrecursionlimit(before)
    succeeded(in_a_step(lambda: None))  # the next run works as usual (with 60 it could not)


@pytest.mark.parametrize(("setter", "getter", "value"), [
    ("setswitchinterval", "getswitchinterval", 0.5),
    ("set_int_max_str_digits", "get_int_max_str_digits", 640),
])
def test_other_interpreter_settings_are_put_back(setter, getter, value):
    if not hasattr(sys, setter):
        pytest.skip(f"sys.{setter} does not exist here")
    before = getattr(sys, getter)()
    succeeded(in_a_step(lambda: getattr(sys, setter)(value)))
    assert getattr(sys, getter)() == before


@pytest.mark.parametrize("name", ["stdout", "stderr", "stdin", "displayhook", "excepthook"])
def test_rebinding_a_standard_stream_or_hook_does_not_outlive_the_step(name, monkeypatch):
    before = getattr(sys, name)
    monkeypatch.setattr(sys, name, before)  # put back at teardown, whatever the step did
    succeeded(in_a_step(lambda: setattr(sys, name, io.StringIO() if name.startswith("std") else print)))
    assert getattr(sys, name) is before


def test_threading_trace_and_profile_hooks_are_put_back(monkeypatch):
    before = threading.gettrace(), threading.getprofile()
    monkeypatch.setattr(threading, "_trace_hook", before[0])  # put back at teardown, whatever the step did
    monkeypatch.setattr(threading, "_profile_hook", before[1])
    succeeded(in_a_step(lambda: [threading.settrace(lambda *args: None), threading.setprofile(lambda *args: None)]))
    assert (threading.gettrace(), threading.getprofile()) == before


def test_redirect_stdout_inside_a_step_works():
    before = sys.stdout

    def capture():
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            print("captured")
        return buffer.getvalue()

    assert succeeded(in_a_step(capture)) == "captured\n"
    assert sys.stdout is before


def test_a_step_ending_in_another_thread_leaves_a_redirect_in_progress_alone():
    # Steps of two runs, in two threads: B ends while A is inside redirect_stdout. B must not put
    # sys.stdout back under A's feet; A's own redirect ends it, and the last step to end checks.
    a_redirected, b_done = threading.Event(), threading.Event()
    results = {}

    def slow_capture(state, payload, context):
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            a_redirected.set()
            assert b_done.wait(10)
            print("after B ended")
        state["captured"] = buffer.getvalue()
        return state

    def run(name, operation):
        workflow = WorkflowDefinition(f"wf-{name}", [StepSpec(name, "runtime", {"operation": "op"})])
        results[name] = Orchestrator({"op": operation}).run_workflow(workflow, ExecutionContext())

    before = sys.stdout
    first = threading.Thread(target=run, args=("a", slow_capture))
    first.start()
    assert a_redirected.wait(10)
    run("b", lambda state, payload, context: state)
    b_done.set()
    first.join(10)
    assert results["a"].success is True, results["a"].error_message
    assert results["a"].final_state["captured"] == "after B ended\n"
    assert results["b"].success is True
    assert sys.stdout is before


def test_a_nested_run_puts_back_what_its_step_changed():
    before = sys.getrecursionlimit()

    def outer():
        inner = WorkflowDefinition("wf-inner", [StepSpec("inner", "runtime", {"operation": "lower"})])
        Orchestrator({"lower": lambda state, payload, context: sys.setrecursionlimit(before + 7) or state}) \
            .run_workflow(inner, ExecutionContext())
        return sys.getrecursionlimit()

    assert succeeded(in_a_step(outer)) == before
    assert sys.getrecursionlimit() == before


# --- outside steps, nothing changes ---------------------------------------------------------------------


def test_outside_steps_the_wrapped_functions_behave_as_before(tmp_path):
    succeeded(in_a_step(lambda: None))  # the guard is installed by now
    reader, writer = os.pipe()
    try:
        assert os.write(writer, b"abc") == 3
        assert os.writev(writer, [b"d", b"e"]) == 2
        assert os.read(reader, 5) == b"abcde"
    finally:
        os.close(reader)
        os.close(writer)
    with pytest.raises(TypeError):
        os.write(b"not a descriptor", b"x")
    mask = os.umask(0o022)
    assert os.umask(mask) == 0o022

    limit = sys.getrecursionlimit()
    received = []
    previous = signal.signal(signal.SIGUSR1, lambda signum, frame: received.append(signum))
    try:
        sys.setrecursionlimit(limit + 10)
        succeeded(in_a_step(lambda: None))
        assert sys.getrecursionlimit() == limit + 10  # set outside a step: kept
        signal.raise_signal(signal.SIGUSR1)
        assert received == [signal.SIGUSR1]
    finally:
        sys.setrecursionlimit(limit)
        signal.signal(signal.SIGUSR1, previous)


def test_the_wrappers_are_installed_once_and_name_the_original():
    succeeded(in_a_step(lambda: None))
    succeeded(in_a_step(lambda: None))
    for function in (os.write, os.umask, signal.setitimer, sys.setrecursionlimit):
        assert getattr(function, "__lifeos_guard__", False) is True
        assert not getattr(function.__wrapped__, "__lifeos_guard__", False)
        assert function.__name__ == function.__wrapped__.__name__
