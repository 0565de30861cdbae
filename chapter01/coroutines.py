"""Book: chapter 12, 'Coroutines'.

A generator pauses at each ``yield``; ``send(value)`` resumes it, and the
paused ``yield`` expression evaluates to ``value``. A generator used that way
is a *coroutine*: a function that is suspended and resumed, taking values in
as it goes. Python's ``async def`` coroutines are the same machinery with
their own syntax, and asyncio's event loop is what resumes them.

In 2017 asyncio code still wrote coroutines as generators
(``@asyncio.coroutine`` and ``yield from``); Python 3.11 removed that
decorator, and ``async def`` with ``await`` is the only spelling today. The
steps from one to the other, here: :func:`average_pace` (``send``),
:func:`race_report` (``yield from`` and return values), then :func:`runner`
and :func:`run_all` (``async def``, ``await``, and a tiny event loop).

Run: ``python -m chapter01.coroutines``
"""

import types
from collections import deque
from collections.abc import Coroutine, Generator, Iterable


def average_pace() -> Generator[float | None, float, None]:
    """Send it a split, it answers the running average: a coroutine.

    It has to be started (*primed*) with ``next()``, which runs it to its
    first ``yield``, where it waits for the first value.

    >>> pace = average_pace()
    >>> next(pace)  # primes it; nothing to average yet
    >>> pace.send(300)
    300.0
    >>> pace.send(330)
    315.0
    """
    total = count = 0
    average = None
    while True:
        split = yield average  # hands out average, waits for the next split
        total += split
        count += 1
        average = total / count


def fastest() -> Generator[None, float | None, float | None]:
    """Take splits until ``None`` comes, then *return* the fastest one.

    A generator's ``return value`` ends it with ``StopIteration(value)``.
    """
    best = None
    while (split := (yield)) is not None:
        best = split if best is None else min(best, split)
    return best


def race_report() -> Generator[None, float | None, str]:
    """Delegate to :func:`fastest` with ``yield from``, then use its result.

    ``yield from`` connects the caller straight to the sub-coroutine: each
    ``send()`` goes to :func:`fastest`, and its return value becomes the
    value of the ``yield from`` expression. This is how 2017's asyncio
    chained coroutines, before ``await``.
    """
    best = yield from fastest()
    return f"fastest km: {best:.0f} s"


def drive(coroutine: Generator, values: Iterable) -> object:
    """Prime ``coroutine``, send it ``values`` then ``None``; its return value.

    >>> drive(race_report(), [300, 290, 310])
    'fastest km: 290 s'
    """
    next(coroutine)
    for value in values:
        coroutine.send(value)
    try:
        coroutine.send(None)
    except StopIteration as finished:
        return finished.value
    raise RuntimeError("the coroutine did not finish on None")


@types.coroutine
def pause() -> Generator[None, None, None]:
    """Give control back to the loop once: a generator ``await`` can use.

    ``@types.coroutine`` marks a generator as awaitable; its bare ``yield``
    travels up through every ``await`` to whoever called ``send()``: the
    event loop. asyncio's own ``sleep(0)`` does exactly this.
    """
    yield


async def runner(name: str, kilometres: int, log: list[str]) -> str:
    """An ``async def`` coroutine: runs a kilometre, lets the others run one."""
    for km in range(1, kilometres + 1):
        log.append(f"{name} km {km}")
        await pause()
    return f"{name} done"


def run_all(*coroutines: Coroutine) -> list:
    """A toy event loop: resume each coroutine in turn until all have finished.

    ``send(None)`` runs a coroutine to its next ``await`` that really
    suspends, or to its end (``StopIteration`` carries the return value).
    asyncio does the same, but resumes a coroutine only once what it awaits
    (a socket, a timer) is ready, instead of blindly in turn.

    >>> log = []
    >>> run_all(runner("ada", 2, log), runner("bob", 3, log))
    ['ada done', 'bob done']
    >>> log
    ['ada km 1', 'bob km 1', 'ada km 2', 'bob km 2', 'bob km 3']
    """
    results: dict[int, object] = {}
    ready = deque(enumerate(coroutines))
    while ready:
        index, coroutine = ready.popleft()
        try:
            coroutine.send(None)
        except StopIteration as finished:
            results[index] = finished.value
        else:
            ready.append((index, coroutine))  # suspended: its turn comes again
    return [results[index] for index in range(len(coroutines))]


def main() -> None:
    pace = average_pace()
    next(pace)
    for split in (300, 330, 290):
        print(f"split {split} s, average {pace.send(split):.1f} s")
    print(drive(race_report(), [300, 330, 290]))
    log: list[str] = []
    print(run_all(runner("ada", 2, log), runner("bob", 3, log)))
    print(", ".join(log))


if __name__ == "__main__":
    main()
