"""Fair shares of the classroom server's work: answers kept, and slots that heavy work queues for.

A class asks for the same few lessons. ``Answers`` keeps each computed answer
(a response's status and bytes) under its key, so the next student's request
costs a look-up and no computing slot, and requests for an answer that is being
computed wait for that one computation instead of starting their own. It
holds at most ``max_entries`` answers and ``max_bytes`` bytes, dropping the
least recently used.

``Slots`` bounds the computations running at once (one per core). Work
estimated as heavy queues behind its client address's other heavy work (one
at a time per address) and holds at most all but one slot, so that a light
lesson finds a slot soon and a few heavy requests queue behind each other,
not in front of everyone. Nothing here counts how often an address asks: a
whole class reaches the server through one school NAT address.

``Helpers`` computes heavy work in processes of its own, at a lower priority:
in a thread of the server it would hold the GIL by turns with the event loop
that answers the class, and slow every request down; in a helper it takes
neither the GIL nor, when the class needs it, the CPU.

>>> answers = Answers(max_entries=2)
>>> answers.put(("lesson", "z = w"), Answer.of(200, b'{"x": 1}'))
>>> answers.get(("lesson", "z = w"))
Answer(status=200, data=b'{"x": 1}', gzipped=False)
>>> answers.put(("lesson", "z = w"), Answer.of(503, b'{"error": "busy"}'))  # not kept
>>> answers.get(("lesson", "z = w")).status, len(answers)
(200, 1)
"""

from __future__ import annotations

import asyncio
import gzip
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
import traceback
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass

__all__ = ["Answer", "Answers", "Busy", "HelperError", "Helpers", "Slots"]


class Busy(Exception):
    """No computing slot (or helper) came free within the wait: the request may be sent again."""


@dataclass(frozen=True)
class Answer:
    """A response's status and body, as the server keeps it: gzipped when over a kilobyte.

    A lesson's JSON shrinks about six times, so kept answers take a sixth of
    the memory, and a browser (which accepts gzip) gets them as they are kept.
    """

    status: int
    data: bytes  # the body, gzipped if ``gzipped``
    gzipped: bool = False

    @classmethod
    def of(cls, status: int, body: bytes) -> Answer:
        """
        >>> answer = Answer.of(200, b"[" + b"1, " * 1000 + b"1]")
        >>> answer.gzipped, len(answer.data) < 100, len(answer.body)
        (True, True, 3003)
        >>> Answer.of(400, b'{"error": "..."}')
        Answer(status=400, data=b'{"error": "..."}', gzipped=False)
        """
        if len(body) > 1024:
            return cls(status, gzip.compress(body, 6, mtime=0), gzipped=True)
        return cls(status, body)

    @property
    def body(self) -> bytes:
        """The body as it was given (unpacked for a client that does not accept gzip)."""
        return gzip.decompress(self.data) if self.gzipped else self.data


class Answers:
    """Computed answers by key, least recently used dropped first; one computation per key."""

    def __init__(self, max_entries: int = 512, max_bytes: int = 16 * 2**20, keep=(200, 400)):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.keep = keep  # the statuses worth keeping: the same request gets the same answer
        self.kept: OrderedDict[Hashable, Answer] = OrderedDict()
        self.bytes = 0
        self.pending: dict[Hashable, asyncio.Task] = {}

    def __len__(self) -> int:
        return len(self.kept)

    def get(self, key: Hashable) -> Answer | None:
        answer = self.kept.get(key)
        if answer is not None:
            self.kept.move_to_end(key)
        return answer

    def put(self, key: Hashable, answer: Answer) -> None:
        if answer.status not in self.keep or len(answer.data) > self.max_bytes:
            return
        old = self.kept.pop(key, None)
        self.bytes += len(answer.data) - (len(old.data) if old else 0)
        self.kept[key] = answer
        while len(self.kept) > self.max_entries or self.bytes > self.max_bytes:
            _, dropped = self.kept.popitem(last=False)
            self.bytes -= len(dropped.data)

    async def answer(self, key: Hashable, compute: Callable[[], Awaitable[Answer]]) -> Answer:
        """The kept answer for ``key``, or the one being computed, or ``compute()``'s, kept."""
        found = self.get(key)
        if found is not None:
            return found
        task = self.pending.get(key)
        if task is None:
            task = asyncio.ensure_future(compute())
            self.pending[key] = task
            task.add_done_callback(lambda done: self._finish(key, done))
        # Shielded: a request that goes away does not stop the others' computation.
        return await asyncio.shield(task)

    def _finish(self, key: Hashable, task: asyncio.Task) -> None:
        del self.pending[key]
        if not task.cancelled() and task.exception() is None:
            self.put(key, task.result())


class Slots:
    """At most ``count`` computations at once; heavy ones one per address and never all slots."""

    def __init__(self, count: int, queue_seconds: float):
        self.queue_seconds = queue_seconds
        self.all = asyncio.Semaphore(count)
        self.heavy = asyncio.Semaphore(max(count - 1, 1))
        self.addresses: dict[str, list] = {}  # address -> [its semaphore, requests using it]

    @asynccontextmanager
    async def slot(self, address: str, heavy: bool) -> AsyncIterator[None]:
        """Hold a slot for one computation; ``Busy`` if none comes free within the wait."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.queue_seconds
        queue = [self._address(address), self.heavy] if heavy else []
        held = []
        try:
            for semaphore in [*queue, self.all]:
                await _acquire(semaphore, deadline - loop.time())
                held.append(semaphore)
            yield
        finally:
            for semaphore in held:
                semaphore.release()
            if heavy:
                self._leave(address)

    def _address(self, address: str) -> asyncio.Semaphore:
        entry = self.addresses.setdefault(address, [asyncio.Semaphore(1), 0])
        entry[1] += 1
        return entry[0]

    def _leave(self, address: str) -> None:
        entry = self.addresses[address]
        entry[1] -= 1
        if entry[1] == 0:  # an address with nothing queued costs no memory
            del self.addresses[address]


async def _acquire(semaphore: asyncio.Semaphore, seconds: float) -> None:
    if not semaphore.locked():
        await semaphore.acquire()
        return
    try:
        await asyncio.wait_for(semaphore.acquire(), timeout=max(seconds, 1e-3))
    except asyncio.TimeoutError:
        raise Busy from None


# A helper's niceness: the system runs the server's own threads first when both
# want a core, and the helper (with the dot it starts) on what is left.
NICENESS = 10


class HelperError(Exception):
    """An unexpected error in a helper process; its message is the helper's traceback."""


class Helpers:
    """At most ``count`` processes, started when first needed, that compute heavy work.

    ``run(function, *args)`` is called in a worker thread, and waits: ``function``
    and its arguments travel to a helper (so they must pickle: a module's
    function, plain data), and so does what it returns. A helper that dies
    (killed, out of memory) costs the request it was computing ``Busy``; the
    next request starts new helpers. Helpers end when the server closes them,
    or when the server's process ends, whichever way it ends.

    >>> helpers = Helpers(1)
    >>> helpers.run(divmod, 17, 5)
    (3, 2)
    >>> helpers.close()
    """

    def __init__(self, count: int):
        self.count = count
        self.lock = threading.Lock()
        self.pool: ProcessPoolExecutor | None = None

    def run(self, function: Callable, *args):
        pool = self._pool()
        try:
            with _ctrl_c_held():  # a helper starts in submit(), in this thread
                future = pool.submit(_in_helper, function, args)
            return future.result()
        except BrokenProcessPool:
            with self.lock:
                if self.pool is pool:  # others computing in it see the same; one replaces it
                    self.pool = None
            pool.shutdown(wait=False)
            raise Busy from None

    def close(self) -> None:
        """Let the helpers finish what they compute and end; nothing new starts."""
        with self.lock:
            pool, self.pool = self.pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _pool(self) -> ProcessPoolExecutor:
        with self.lock:
            if self.pool is None:
                # spawn: a new interpreter; a fork of a server with threads may inherit held locks.
                self.pool = ProcessPoolExecutor(
                    self.count,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_helper_starts,
                )
            return self.pool


@contextmanager
def _ctrl_c_held():
    """SIGINT held off in this thread, and in a process started meanwhile until it ignores it.

    Ctrl-C in the teacher's terminal reaches every process of the server: the
    server stops, and then its helpers; none may print a KeyboardInterrupt, not
    even one still starting Python. A thread's signal mask goes to a new
    process through fork and exec, and _helper_starts lifts it.
    """
    if not hasattr(signal, "pthread_sigmask"):  # Windows: no terminal group to signal
        yield
        return
    before = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


def _helper_starts() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its helpers itself
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    if hasattr(os, "nice"):
        os.nice(NICENESS)
    parent = multiprocessing.parent_process()
    if parent is not None:  # a server killed outright leaves no helper behind
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(0)


def _in_helper(function: Callable, args: tuple):
    """``function(*args)`` in a helper: an unexpected error comes back as a ``HelperError``,
    which any process can read (the error's own class may not rebuild outside it)."""
    try:
        return function(*args)
    except Exception:
        raise HelperError(traceback.format_exc()) from None
