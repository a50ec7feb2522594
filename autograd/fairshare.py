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
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable
from contextlib import asynccontextmanager
from dataclasses import dataclass

__all__ = ["Answer", "Answers", "Busy", "Slots"]


class Busy(Exception):
    """No computing slot came free within the wait: the request may be sent again later."""


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
