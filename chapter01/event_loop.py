"""Book: chapter 12, 'The asyncio library'.

asyncio's event loop runs many coroutines in one thread: each runs until it
awaits something not ready yet (a socket, a timer), and meanwhile the loop
runs the others. A service that mostly waits on other services waits for all
of them at once. Three things every asyncio microservice does, with the
calls to another service played by ``asyncio.sleep``:

- wait for several services at once (:func:`fetch_all`, ``gather``);
- give up on a slow one (:func:`with_deadline`, ``asyncio.timeout``);
- keep blocking code off the loop (:func:`heartbeats_during`, ``to_thread``).

Run: ``python -m chapter01.event_loop``
"""

import asyncio
import time
from collections.abc import Awaitable


async def fetch_runs(athlete: str, latency: float, log: list[str]) -> dict:
    """Ask another service for ``athlete``'s runs; it answers after ``latency``."""
    log.append(f"ask {athlete}")
    await asyncio.sleep(latency)  # the loop runs the other coroutines meanwhile
    log.append(f"got {athlete}")
    return {"athlete": athlete, "runs": 3}


async def fetch_all(athletes: list[str], latency: float, log: list[str]) -> list:
    """All the calls at once: the whole takes one ``latency``, not one each.

    ``gather`` runs each coroutine as a task and gives the results in the
    order of its arguments, whatever order they finish in.

    >>> log = []
    >>> answers = asyncio.run(fetch_all(["ada", "bob"], 0.01, log))
    >>> [answer["athlete"] for answer in answers]
    ['ada', 'bob']
    >>> log  # both asked before either answered
    ['ask ada', 'ask bob', 'got ada', 'got bob']
    """
    return await asyncio.gather(*(fetch_runs(name, latency, log) for name in athletes))


async def with_deadline(call: Awaitable, seconds: float, default: object) -> object:
    """``call``'s result, or ``default`` if it takes more than ``seconds``.

    A service must not wait forever for another: the timeout cancels the
    call (the awaited coroutine gets ``CancelledError``) and we move on.

    >>> asyncio.run(with_deadline(fetch_runs("ada", 10, []), 0.01, "too slow"))
    'too slow'
    """
    try:
        async with asyncio.timeout(seconds):
            return await call
    except TimeoutError:
        return default


async def blocking_wait(seconds: float) -> None:
    time.sleep(seconds)  # wrong in a coroutine: the whole loop sleeps


async def threaded_wait(seconds: float) -> None:
    # The blocking call runs in a worker thread; the loop awaits its end.
    await asyncio.to_thread(time.sleep, seconds)


async def heartbeats_during(work: Awaitable, period: float = 0.01) -> int:
    """How often a task beating every ``period`` ran while ``work`` went on.

    A heartbeat that never beats is a loop that served nobody: that is what
    one blocking call in a handler does to every other request.

    >>> asyncio.run(heartbeats_during(blocking_wait(0.1)))
    0
    """
    beats = 0

    async def heart() -> None:
        nonlocal beats
        while True:
            await asyncio.sleep(period)
            beats += 1

    task = asyncio.create_task(heart())
    try:
        await work
    finally:
        task.cancel()
    return beats


async def demo() -> None:
    log: list[str] = []
    await fetch_all(["ada", "bob", "cyd"], 0.1, log)
    print(", ".join(log))
    print(await with_deadline(fetch_runs("dan", 10, []), 0.1, "dan: too slow"))
    blocked = await heartbeats_during(blocking_wait(0.2))
    print(f"heartbeats while time.sleep() blocked the loop: {blocked}")
    threaded = await heartbeats_during(threaded_wait(0.2))
    print(f"heartbeats while a thread slept: {threaded}")


def main() -> None:
    asyncio.run(demo())


if __name__ == "__main__":
    main()
