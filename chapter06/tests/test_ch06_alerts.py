"""The alerting rules, unit-tested offline by ``promtool test rules``."""

import shutil
from pathlib import Path

from testkit.prometheus import promtool

RULES = Path(__file__).resolve().parent.parent / "prometheus"


def test_rules_are_valid():
    result = promtool("check", "rules", str(RULES / "alerts.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 rules found" in result.stdout


def test_each_alert_fires_and_stays_quiet_as_expected():
    result = promtool("test", "rules", str(RULES / "alerts_test.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


def run_changed(tmp_path, old: str, new: str) -> str:
    """promtool's complaint about the tests with ``old`` made ``new``."""
    shutil.copy(RULES / "alerts.yml", tmp_path)
    tests = (RULES / "alerts_test.yml").read_text()
    assert old in tests
    (tmp_path / "alerts_test.yml").write_text(tests.replace(old, new, 1))
    result = promtool("test", "rules", str(tmp_path / "alerts_test.yml"))
    assert result.returncode != 0
    return result.stdout + result.stderr


def test_promtool_fails_an_alert_that_does_not_fire_as_expected(tmp_path):
    # Expect the quiet job's errors to fire instead of the dataservice's.
    output = run_changed(
        tmp_path,
        "job: dataservice\n              severity: page\n",
        "job: quiet\n              severity: page\n",
    )
    assert "HighErrorRatio" in output


def test_promtool_fails_an_alert_that_fires_too_early(tmp_path):
    # Expect TargetDown while it is only pending: promtool says it did not fire.
    output = run_changed(
        tmp_path,
        "eval_time: 5m\n        alertname: TargetDown",
        "eval_time: 2m\n        alertname: TargetDown",
    )
    assert "TargetDown" in output


def test_the_readers_prometheus_configuration_is_valid(tmp_path):
    # As the README uses it: copied next to a targets file.
    for name in ("prometheus.yml", "alerts.yml"):
        shutil.copy(RULES / name, tmp_path)
    (tmp_path / "targets.json").write_text('[{"targets": ["127.0.0.1:5000"]}]')
    result = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stdout + result.stderr
    assert "SUCCESS: 3 rules found" in result.stdout
