"""Book: chapter 12, 'Iterators and generators'.

A runner's watch records where the runner is (metres from the start) and when
(seconds), every few seconds. The time of each kilometre, a *split*, comes
out of that stream one value at a time: first with an iterator written by
hand, then with generators, which Python turns into iterators for us.

What matters for what follows (coroutines, asyncio): a generator function
runs only when asked for its next value, and *pauses* at each ``yield``,
keeping its local variables, until asked again.

>>> watch = [(0, 0), (600, 180), (1200, 360), (1800, 570), (2400, 780)]
>>> list(Splits(crossings(watch)))
[300.0, 340.0]
>>> list(splits(crossings(watch)))
[300.0, 340.0]

Run: ``python -m chapter01.generators``
"""

import itertools
from collections.abc import Iterable, Iterator

Sample = tuple[float, float]  # (metres from the start, seconds from the start)


class Splits:
    """The time of each lap, from the times a lap ended: an iterator by hand.

    An iterator is an object with ``__next__``, which returns the next value
    or raises ``StopIteration``, and ``__iter__`` returning itself, so that
    ``for`` accepts it. The state between two calls (the last time seen) has
    to live on the object.

    >>> laps = Splits([300, 630])
    >>> next(laps), next(laps)
    (300, 330)
    >>> next(laps)
    Traceback (most recent call last):
    ...
    StopIteration
    """

    def __init__(self, times: Iterable[float]):
        self.times = iter(times)
        self.previous = 0

    def __iter__(self) -> "Splits":
        return self

    def __next__(self) -> float:
        current = next(self.times)  # its StopIteration is ours too
        split, self.previous = current - self.previous, current
        return split


def splits(times: Iterable[float]) -> Iterator[float]:
    """The same iterator as :class:`Splits`, as a generator function.

    Calling it runs nothing yet; each ``next()`` runs the body up to the
    following ``yield``, and the end of the body raises ``StopIteration``.

    >>> laps = splits([300, 630])
    >>> laps  # doctest: +ELLIPSIS
    <generator object splits at 0x...>
    >>> next(laps), next(laps)
    (300, 330)
    """
    previous = 0
    for current in times:
        yield current - previous
        previous = current


def crossings(samples: Iterable[Sample], lap: float = 1000) -> Iterator[float]:
    """When the runner crossed each ``lap`` marker (interpolated), lazily.

    It reads one sample at a time, so the samples may be an endless stream
    (a live watch), and it yields a time as soon as one is known.

    >>> list(crossings([(0, 0), (1500, 400), (2000, 500)]))
    [266.7, 500.0]
    """
    previous_metres, previous_seconds = 0.0, 0.0
    marker = lap
    for metres, seconds in samples:
        while metres >= marker:  # a long gap between samples may cross two
            fraction = (marker - previous_metres) / (metres - previous_metres)
            yield round(previous_seconds + fraction * (seconds - previous_seconds), 1)
            marker += lap
        previous_metres, previous_seconds = metres, seconds


def steady_watch(pace: float, every: float = 5) -> Iterator[Sample]:
    """An endless watch: a runner at ``pace`` seconds per km, sampled.

    >>> list(itertools.islice(steady_watch(300), 3))
    [(0.0, 0), (16.7, 5), (33.3, 10)]
    """
    for seconds in itertools.count(0, every):
        yield round(seconds * 1000 / pace, 1), seconds


def week_splits(runs: Iterable[Iterable[Sample]]) -> Iterator[float]:
    """The splits of several runs, one after the other, with ``yield from``.

    ``yield from`` hands every value of another iterator on, as a ``for``
    loop around ``yield`` would; with coroutines it also passes ``send()``
    and return values through (see :mod:`chapter01.coroutines`).

    >>> monday = [(0, 0), (1000, 310)]
    >>> tuesday = [(0, 0), (2000, 590)]
    >>> list(week_splits([monday, tuesday]))
    [310.0, 295.0, 295.0]
    """
    for run in runs:
        yield from splits(crossings(run))


def main() -> None:
    # Three kilometres from a watch that would never stop: only what is asked
    # for is ever computed.
    first_three = itertools.islice(splits(crossings(steady_watch(pace=300))), 3)
    for number, split in enumerate(first_three, start=1):
        print(f"km {number}: {split:.1f} s")


if __name__ == "__main__":
    main()
