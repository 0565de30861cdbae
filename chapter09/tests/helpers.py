"""What chapter 9's tests share besides fixtures."""

import os


def outside_env(**extra: str) -> dict[str, str]:
    """An environment with nothing of the repository: no PYTHONPATH."""
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "COVERAGE_PROCESS_START")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    return {**env, **extra}
