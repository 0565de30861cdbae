"""The data the chapter's services exchange: a runner's runs, and their stats.

Book: chapter 5, 'Interacting with other services'. Every example here sends
the same kind of payload, so the benchmark compares like with like.
"""

from datetime import UTC, datetime, timedelta

EPOCH = datetime(2017, 7, 1, 7, 0, tzinfo=UTC)


def sample_runs(count: int = 3, runner: str = "tarek") -> list[dict]:
    """``count`` deterministic runs: the same input gives the same bytes."""
    return [
        {
            "id": index + 1,
            "runner": runner,
            "distance": 5000 + (index * 737) % 16000,  # metres
            "duration": 1500 + (index * 211) % 5400,  # seconds
            "started": (EPOCH + timedelta(days=index)).isoformat(),
        }
        for index in range(count)
    ]


def runner_stats(runs: list[dict]) -> dict:
    """Totals a dashboard shows: how far, how long, how fast on average."""
    distance = sum(run["distance"] for run in runs)
    duration = sum(run["duration"] for run in runs)
    return {
        "runs": len(runs),
        "distance": distance,
        "duration": duration,
        # seconds per kilometre; None rather than a division by zero
        "pace": round(duration / (distance / 1000), 1) if distance else None,
    }
