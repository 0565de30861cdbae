"""Iterators and generators: the splits of a run, lazily."""

import itertools

import pytest

from chapter01.generators import (
    Splits,
    crossings,
    splits,
    steady_watch,
    week_splits,
)

WATCH = [(0, 0), (400, 120), (1000, 300), (1500, 460), (2100, 640), (2500, 770)]


def test_the_hand_written_iterator_and_the_generator_agree():
    times = [300.0, 620.0, 910.0]

    assert list(Splits(times)) == list(splits(times)) == [300.0, 320.0, 290.0]


def test_both_follow_the_iterator_protocol():
    for laps in (Splits([300]), splits([300])):
        assert iter(laps) is laps
        assert next(laps) == 300
        with pytest.raises(StopIteration):
            next(laps)


def test_crossings_interpolate_each_kilometre():
    # 1000 m at 300 s exactly; 2000 m between 1500 m (460 s) and 2100 m (640 s).
    assert list(crossings(WATCH)) == [300.0, 610.0]


def test_a_long_gap_between_samples_may_cross_several_markers():
    assert list(crossings([(0, 0), (3000, 900)])) == [300.0, 600.0, 900.0]


def test_nothing_is_read_before_it_is_needed():
    read = []

    def recording_watch():
        for sample in WATCH:
            read.append(sample)
            yield sample

    first = crossings(recording_watch())
    assert read == []  # calling a generator function runs none of its body

    assert next(first) == 300.0
    assert read == WATCH[:3]  # up to the sample past the first kilometre


def test_an_endless_watch_is_fine_when_we_take_a_few():
    first_three = list(itertools.islice(splits(crossings(steady_watch(300))), 3))

    assert first_three == pytest.approx([300, 300, 300], abs=0.5)


def test_yield_from_chains_the_runs():
    monday = [(0, 0), (1000, 310)]
    tuesday = [(0, 0), (1000, 280), (2000, 570)]

    assert list(week_splits([monday, tuesday])) == [310.0, 280.0, 290.0]
    assert list(week_splits([])) == []
