"""Book: chapter 8, "ReactJS and Flask": ``python -m chapter08.dashboard``.

The command the stack runs: it serves on ``$PORT``, says where, answers
``/health`` and serves the page's modules as JavaScript.
"""

import requests

from testkit.servers import python_command


def test_the_command_serves_the_dashboard(server_process, tmp_path):
    server = server_process(
        python_command("-m", "chapter08.dashboard"),
        env={"FLASK_CONFIG": "development", "FLASK_QUEUE_DIR": str(tmp_path)},
    )
    assert f"Runnerly dashboard on {server.url}/" in server.output()
    assert requests.get(f"{server.url}/health", timeout=5).json() == {"status": "alive"}
    home = requests.get(f"{server.url}/", timeout=5)
    assert "Log in with Strava" in home.text
    assert "default-src 'self'" in home.headers["Content-Security-Policy"]
    script = requests.get(f"{server.url}/static/vendor/htm-3.1.1/htm.mjs", timeout=5)
    assert script.headers["Content-Type"].startswith("text/javascript")
