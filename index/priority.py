"""Indexing runs at a lower CPU priority than answering.

Embedding an article keeps both cores busy for up to a minute; a question meanwhile needs one
query embedding and some scoring (0.1-0.5 s). Measured before this module: questions took
1.8-9.4 s while a 516-passage article was indexed. So the passage embeddings run in worker
threads whose nice value is raised once, when each thread starts: on Linux niceness belongs to
a thread and is inherited by the threads it creates, so the embedding engine's OpenMP workers
(created by the first parallel region of the thread that calls it) are niced too (checked in
/proc/self/task: the indexing thread and its OpenMP worker at 10, the rest at 0). A thread's
niceness cannot be lowered again without privileges, which is why these are threads of their
own and never the UI's request threads.
"""

from __future__ import annotations

import contextvars
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
# Added to the process' nice value (0 -> 10): the scheduler then gives answering threads
# most of the CPU when both want it, and indexing all of it otherwise.
INDEXING_NICENESS = 10
# Indexing threads: two uploads embed side by side (a small one need not wait for a big one).
INDEXING_THREADS = 4

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def run_low_priority(function: Callable[..., T], *args: object, **kwargs: object) -> T:
    """``function(*args, **kwargs)`` run in a low-priority indexing thread; waits for it and
    returns its result (or raises its error). The caller's context variables go along, so a
    progress bar that tracks tqdm still sees the work."""
    context = contextvars.copy_context()
    return _indexing_threads().submit(context.run, function, *args, **kwargs).result()


def _indexing_threads() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(INDEXING_THREADS, thread_name_prefix="indexing",
                                           initializer=_lower_this_thread)
        return _executor


def _lower_this_thread() -> None:
    """Raise this thread's nice value by INDEXING_NICENESS (no-op where that is unsupported)."""
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid)
                                                 + INDEXING_NICENESS))
    except (AttributeError, OSError):
        pass


def thread_niceness() -> int:
    """The calling thread's nice value (what the tests and the bench check)."""
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
