"""Running the scenarios of a plan on Dask: local worker processes or a cluster.

Scenarios go out in batches; results come back and are handed on in plan
order, so the suite and test-run hashes are those of a sequential run. Only a
few batches per worker are in flight at a time, so the client holds little
more than the results it has already merged. A worker process that dies has
its batches run again elsewhere by Dask's scheduler; a batch that kills its
worker every time ends the run with an error naming its scenarios.

Before anything runs, every worker reports the lifeos-core version, the
distribution and version of each mission the plan uses and the version of
every pack that provides operations, and the run is refused if any differs
from this machine; each batch checks again on the
worker that runs it, for workers that join later.

Dask is an optional dependency (``pip install "lifeos-core[dask]"``); this
module imports it only when an executor is created.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import sys
import threading
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .executors import ExecutorError

if TYPE_CHECKING:
    from .scenarios import ScenarioDefinition, ScenarioResult

BATCHES_PER_WORKER = 32
"""Batches per worker when the batch size is chosen from the plan size: small
batches keep every worker busy to the end (the last batch is the only one a
worker may wait for), large ones spread Dask's cost per task thinner."""
MAX_BATCH = 500
"""The largest batch chosen automatically (scenarios per task)."""
IN_FLIGHT_PER_WORKER = 3
"""Batches out per worker, running, queued or finished early and waiting for
their turn; what bounds the client's memory."""
BATCH_SWITCH_INTERVAL = 0.05
"""Seconds between GIL hand-overs on a worker while it runs a batch (Python's default is 0.005)."""
INSTALL_HINT = 'pip install "lifeos-core[dask]"'


def require_dask() -> None:
    """Raise :class:`ExecutorError` with the install command if Dask is missing."""
    from importlib.util import find_spec

    if find_spec("distributed") is None:
        raise ExecutorError(f"running scenarios on Dask needs dask.distributed, which is not installed: "
                            f"{INSTALL_HINT}")


def batch_size_for(scenarios: int, workers: int) -> int:
    """How many scenarios go in one task: about :data:`BATCHES_PER_WORKER`
    batches per worker, at most :data:`MAX_BATCH` scenarios each."""
    return max(1, min(MAX_BATCH, math.ceil(scenarios / max(1, workers * BATCHES_PER_WORKER))))


def mission_versions(names: Sequence[str]) -> dict[str, Any]:
    """The versions a run of missions ``names`` uses here, in the shape every
    comparison of versions uses (:meth:`Registry.versions_of`: lifeos-core's,
    and each plugin's that provides one of the missions or any operation,
    since any mission may use any operation)."""
    from ..plugins.active import active_registry

    return active_registry().versions_of(sorted(names), None)


def installed_versions(names: Sequence[str]) -> dict[str, Any]:
    """What a worker has: each distribution's version, and which of ``names`` it lacks."""
    from ..plugins.active import active_registry

    registry = active_registry()
    return {"installed": registry.installed_versions(),
            "missing": [name for name in names if name not in registry.missions]}


def version_differences(here: dict[str, Any], there: dict[str, Any]) -> list[str]:
    """How a worker (``there``: its :func:`installed_versions`) differs from the
    client (``here``: its :func:`mission_versions`)."""
    from ..plugins.registry import version_changes

    problems = [f"mission {name!r} is not installed" for name in there["missing"]]
    problems += [f"{distribution} {now or 'not installed'} (here: {then})"
                 for distribution, then, now in version_changes(here, there["installed"])]
    return problems


def pack_batch(scenarios: Sequence[ScenarioDefinition]) -> bytes:
    """A batch of scenarios as JSON bytes: what a task carries to its worker.

    The definitions were checked when they were made, so their JSON reads
    back to the same values; writing it is a single C call, where pickling
    every read-only mapping of a large plan would cost the client more than
    the workers save it.
    """
    import orjson

    from .scenarios import scenario_calls, scenario_fixtures

    return orjson.dumps([[scenario.scenario_name, orjson.Fragment(scenario.snapshot.stored()), scenario.clock,
                          scenario_calls(scenario), scenario_fixtures(scenario)]
                         for scenario in scenarios])


def run_batch(packed: bytes, verify: bool, expected: dict[str, Any], missions: list[str]) -> list[ScenarioResult]:
    """Run a batch of scenarios (see :func:`pack_batch`) on a worker, after
    checking that the worker has the versions the client has (``expected``)."""
    import orjson

    from .scenarios import run_scenario_parts

    problems = version_differences(expected, installed_versions(missions))
    if problems:
        raise ExecutorError(f"worker {_worker_address()} differs from the client: {'; '.join(problems)}")
    with _long_switch_interval():
        return [run_scenario_parts(name, state, clock, calls, verify, fixtures)
                for name, state, clock, calls, fixtures in orjson.loads(packed)]


_switch_lock = threading.Lock()
_switch_depth = 0
_switch_saved = 0.0


@contextmanager
def _long_switch_interval() -> Iterator[None]:
    """While batches run in this process, a longer thread switch interval.

    A worker's event loop thread wakes up often, and each time it takes the
    GIL from the thread running scenarios; switching at most every 50 ms makes
    those hand-overs rare (here they cost 8% of a worker's time, then 2%).
    Batches may overlap (a worker with several threads): the interval is
    raised by the first and restored by the last.
    """
    global _switch_depth, _switch_saved
    with _switch_lock:
        if _switch_depth == 0:
            _switch_saved = sys.getswitchinterval()
            sys.setswitchinterval(max(_switch_saved, BATCH_SWITCH_INTERVAL))
        _switch_depth += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_depth -= 1
            if _switch_depth == 0:
                sys.setswitchinterval(_switch_saved)


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "(unknown)"


@contextmanager
def _workers_ignore_interrupts() -> Iterator[None]:
    """Start local workers with SIGINT ignored (they inherit it): Ctrl-C at a
    terminal reaches the whole process group, and the client alone should
    answer it, by shutting the workers down."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _names(batch: Sequence[ScenarioDefinition]) -> str:
    names = [scenario.scenario_name for scenario in batch]
    shown = ", ".join(repr(name) for name in names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


class DaskExecutor:
    """Runs scenarios on Dask.

    ``DaskExecutor(workers=4)`` starts a ``LocalCluster`` of 4 worker
    processes (one thread each) when first used; ``DaskExecutor(scheduler=
    "tcp://host:8786")`` connects to a running scheduler; ``client=`` uses a
    ``distributed.Client`` you made. ``batch_size`` overrides the number of
    scenarios per task (see :func:`batch_size_for`); ``connect_timeout`` and
    ``worker_timeout`` (seconds) bound the waits for the scheduler and for a
    first worker.

    Use it in a ``with`` block to keep the cluster (or connection) for several
    runs; used bare, each run starts and stops its own.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None, *, client: Any = None,
                 batch_size: int | None = None, connect_timeout: float = 10.0, worker_timeout: float = 30.0) -> None:
        given = [name for name, value in (("workers", workers), ("scheduler", scheduler), ("client", client))
                 if value is not None]
        if len(given) != 1:
            raise ExecutorError("DaskExecutor needs exactly one of workers=N (local worker processes), "
                                f"scheduler=ADDRESS or client=CLIENT; got {', '.join(given) or 'none'}")
        if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int) or workers < 1):
            raise ExecutorError(f"workers must be a whole number of at least 1, got {workers!r}")
        if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
            raise ExecutorError(f"scheduler must be an address such as tcp://127.0.0.1:8786, got {scheduler!r}")
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int)
                                       or batch_size < 1):
            raise ExecutorError(f"batch_size must be a whole number of at least 1, got {batch_size!r}")
        if client is None:
            require_dask()
        self.workers = workers
        self.scheduler = scheduler
        self.batch_size = batch_size
        self.connect_timeout = connect_timeout
        self.worker_timeout = worker_timeout
        self._client = client
        self._cluster: Any = None
        self._owns_client = False

    # --- the cluster --------------------------------------------------------------------

    @property
    def client(self) -> Any:
        """The ``distributed.Client`` (starting the cluster, or connecting, if needed)."""
        self.start()
        return self._client

    def start(self) -> DaskExecutor:
        """Start the local cluster or connect to the scheduler (once)."""
        if self._client is not None:
            return self
        from distributed import Client, LocalCluster

        if self.workers is not None:
            with _workers_ignore_interrupts():
                self._cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                                             dashboard_address=":0", silence_logs=logging.ERROR)
            self._client = Client(self._cluster)
        else:
            try:
                self._client = Client(self.scheduler, timeout=self.connect_timeout)
            except ValueError as exc:
                raise ExecutorError(f"{self.scheduler!r} is not a Dask scheduler address ({exc}); give one such as "
                                    "tcp://10.0.0.5:8786") from None
            except (OSError, TimeoutError, asyncio.TimeoutError) as exc:
                raise ExecutorError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}; start one with "
                                    "`dask scheduler` and workers with `dask worker ADDRESS`") from None
        self._owns_client = True
        return self

    def close(self) -> None:
        """Close the connection, and the local cluster if this executor started one."""
        client, cluster = self._client, self._cluster
        if self._owns_client:
            self._client = self._cluster = None
            self._owns_client = False
            if client is not None:
                client.close()
            if cluster is not None:
                cluster.close()

    def __enter__(self) -> DaskExecutor:
        return self.start()

    def __exit__(self, exc_type: Any, *exc_info: Any) -> None:
        if exc_type is KeyboardInterrupt:  # closing after Ctrl-C: Dask's own complaints add nothing
            for name in ("distributed", "asyncio"):
                logging.getLogger(name).setLevel(logging.CRITICAL)
        self.close()

    def describe(self) -> dict[str, Any]:
        described: dict[str, Any] = {"kind": "dask"}
        if self.workers is not None:
            described["workers"] = self.workers
        else:
            described["scheduler"] = self.scheduler or str(getattr(self._client.scheduler, "address", "?"))
        if self.batch_size is not None:
            described["batch_size"] = self.batch_size
        return described

    def __repr__(self) -> str:
        where = f"workers={self.workers}" if self.workers is not None else f"scheduler={self.scheduler!r}"
        return f"DaskExecutor({where})"

    # --- running ------------------------------------------------------------------------

    def map_scenarios(self, scenarios: Sequence[ScenarioDefinition], *,
                      verify: bool = False) -> Iterator[ScenarioResult]:
        owned = self._client is None
        try:
            yield from self._run(tuple(scenarios), verify)
        finally:
            if owned:
                self.close()

    def _run(self, scenarios: tuple[ScenarioDefinition, ...], verify: bool) -> Iterator[ScenarioResult]:
        if not scenarios:
            return
        client = self.client
        workers = self._ready_workers(client)
        # Only missions known here are asked of the workers: an unknown one fails
        # on the worker exactly as it would here (did-you-mean and all).
        from ..plugins.active import active_registry

        known = active_registry().missions
        missions = sorted({call.name for scenario in scenarios for call in scenario.missions} & known.keys())
        expected = mission_versions(missions)
        self._check_workers(client, expected, missions)
        size = self.batch_size or batch_size_for(len(scenarios), workers)
        batches = [scenarios[start:start + size] for start in range(0, len(scenarios), size)]
        run_id = uuid.uuid4().hex[:12]
        window = max(2, IN_FLIGHT_PER_WORKER * workers)
        from distributed import as_completed

        running: dict[Any, int] = {}  # future -> batch index
        finished: dict[int, list[ScenarioResult]] = {}  # results that came back before their turn
        sent = turn = 0
        completions = as_completed()

        def send_more() -> None:
            nonlocal sent
            while sent < len(batches) and len(running) + len(finished) < window:
                with warnings.catch_warnings():  # a batch is its data: there is nothing to load "with Dask"
                    warnings.filterwarnings("ignore", message="Sending large graph", category=UserWarning)
                    future = client.submit(run_batch, pack_batch(batches[sent]), verify, expected, missions,
                                           key=f"lifeos-batch-{run_id}-{sent}", pure=False)
                running[future] = sent
                completions.add(future)
                sent += 1

        try:
            send_more()
            for future in completions:
                index = running.pop(future)
                finished[index] = self._gather(future, batches[index])
                while turn in finished:  # hand results on in plan order
                    results = finished.pop(turn)
                    turn += 1
                    send_more()
                    yield from results
                send_more()
        finally:
            if running:
                client.cancel(list(running))

    def _gather(self, future: Any, batch: Sequence[ScenarioDefinition]) -> list[ScenarioResult]:
        from distributed import KilledWorker

        try:
            return future.result()
        except ImportError as exc:  # a worker that joined later without lifeos-core or a pack
            raise ExecutorError(f"a Dask worker cannot run lifeos ({type(exc).__name__}: {exc}); install the same "
                                "lifeos-core and mission packs on every worker") from None
        except KilledWorker:
            raise ExecutorError(f"the batch of scenarios {_names(batch)} was lost with its worker every time it "
                                "ran (a worker process died each time); run those scenarios with `lifeos test` "
                                "alone to see why") from None
        finally:
            future.release()

    def _ready_workers(self, client: Any) -> int:
        """How many workers there are, waiting a while for the first to join."""
        workers = len(client.scheduler_info().get("workers", {}))
        if workers:
            return workers
        try:
            client.wait_for_workers(1, timeout=self.worker_timeout)
        except (OSError, TimeoutError, asyncio.TimeoutError):
            raise ExecutorError(f"no Dask worker joined the scheduler in {self.worker_timeout:g} s; start workers "
                                "with `dask worker ADDRESS` on machines with the same mission packs") from None
        return len(client.scheduler_info().get("workers", {}))

    def _check_workers(self, client: Any, expected: dict[str, Any], missions: list[str]) -> None:
        try:
            reports = client.run(installed_versions, missions)
        except Exception as exc:  # a worker without lifeos-core, or with one too old to answer
            raise ExecutorError(f"a Dask worker cannot run lifeos ({type(exc).__name__}: {exc}); install the same "
                                "lifeos-core and mission packs on every worker") from None
        problems = [f"worker {address}: {problem}" for address, there in sorted(reports.items())
                    for problem in version_differences(expected, there)]
        if problems:
            raise ExecutorError("the Dask workers do not have the missions this machine has (install the same "
                                "versions on every worker): " + "; ".join(problems))
