"""Where page OCR runs: on this machine (default) or on a Dask distributed cluster.

Both pools take `submit(fn, *args)` and give back a future with `.result()` and
`.add_done_callback()`; the reader (`pipeline.reader`) needs nothing else. `fn` is a plain
top-level function of picklable arguments (a page image, its resolution, a timeout), so a
remote worker can run it.
"""
from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from pipeline.errors import FichasError, MissingDependencyError


class Future(Protocol):
    def result(self, timeout: float | None = None) -> Any: ...

    def add_done_callback(self, fn: Callable[[Any], object]) -> None: ...


class Pool(Protocol):
    workers: int
    """Pages read at once: the reader keeps about as many more rendered and waiting."""

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future: ...

    def close(self) -> None: ...


_worker = threading.local()
"""In a LocalPool's thread, `.pool` is that pool."""


def reading() -> None:
    """Said as a prepared page is handed to Tesseract: the local pool this thread works for, if
    any, calls its `on_reading`."""
    if (pool := getattr(_worker, "pool", None)) is not None and pool.on_reading is not None:
        pool.on_reading()


class LocalPool:
    """`workers` threads, each with its own single-threaded Tesseract (`pipeline.engines`).

    Tesseract runs in a subprocess or, in process, with the GIL released, so threads are enough
    to keep one Tesseract per core busy (measured 1.8× pages/s on 2 cores with the CLI) without
    copying page images between processes. Each thread keeps its engine until the pool closes.
    `on_reading` is called (from a worker thread, maybe at once from two) each time a page is
    handed to Tesseract: from then on a core reads without needing Python's lock.
    """

    def __init__(self, workers: int | None = None, on_reading: Callable[[], object] | None = None):
        self.workers = workers or os.cpu_count() or 1
        self.on_reading = on_reading
        self._threads: list[int] = []
        self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="tesseract",
                                            initializer=self._start_worker)

    def _start_worker(self) -> None:
        self._threads.append(threading.get_ident())
        _worker.pool = self

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        return self._executor.submit(fn, *args)

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        if engines := sys.modules.get("pipeline.engines"):  # loaded only by a run that read pages
            engines.close_engines(self._threads)


class SchedulerError(FichasError):
    """The Dask scheduler cannot be reached."""

    hint = "start one with `dask scheduler` and workers with `dask worker ADDRESS`, or drop --executor dask"


class DaskPool:
    """Page OCR on the workers of a running Dask distributed cluster.

    Each worker needs fichas installed and Tesseract with Spanish data; one worker thread per
    core there (`dask worker ADDRESS --nthreads N --nworkers 1`) matches the local setup.
    """

    def __init__(self, address: str, timeout: float = 10.0, on_reading: Callable[[], object] | None = None):
        try:
            from distributed import Client
        except ImportError:
            raise MissingDependencyError(
                "--executor dask needs Dask distributed: pip install 'fichas[dask]'"
            ) from None
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise SchedulerError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        threads = self._client.nthreads()
        self.workers = max(1, sum(threads.values()))
        if on_reading is not None:
            on_reading()  # the pages are read on other machines: no core here waits for them

    def submit(self, fn: Callable[..., Any], *args: Any) -> Future:
        # pure=False: two pages are never "the same task", and hashing a page image costs time.
        return self._client.submit(fn, *args, pure=False)

    def close(self) -> None:
        self._client.close()


def make_pool(executor: str = "local", jobs: int | None = None, scheduler: str | None = None,
              on_reading: Callable[[], object] | None = None) -> Pool:
    """The pool a run asked for: `local` with `jobs` Tesseracts, or `dask` at `scheduler`.
    `on_reading`: called once pages are being read (see LocalPool)."""
    if executor == "local":
        return LocalPool(jobs, on_reading)
    if executor == "dask":
        if not scheduler:
            raise FichasError("--executor dask needs --scheduler ADDRESS (e.g. tcp://10.0.0.5:8786)")
        return DaskPool(scheduler, on_reading=on_reading)
    raise FichasError(f"unknown executor {executor!r}: use local or dask")
