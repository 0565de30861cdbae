"""The benchmark's parts (the README runs the whole, once, in smoke mode).

Its Flask-Limiter setup, waf_flask_limiter.py, is checked by its own
docstring example (429 with Retry-After, in JSON) and served in that run.
"""

from collections import Counter

from chapter04.dataservice import create_app as create_data_service
from chapter04.monolith.models import db
from chapter07.machinery.benchmark import REQUEST, Result, load, table
from chapter07.waf_nginx import Limits


def test_the_load_counts_every_answer_by_status(waf, live_server):
    # The stand-in behind nginx: the data service; five pass, then 429s.
    app = create_data_service("testing")
    proxy = waf("lua", live_server(app).url, Limits(per_minute=1, burst=4))
    answers, seconds = load(proxy.port, 0.3, connections=2, depth=8)
    assert answers[200] == 5
    assert answers[429] > 0
    assert set(answers) == {200, 429}
    assert seconds >= 0.3
    with app.app_context():
        db.engine.dispose()


def test_the_load_reconnects_when_a_server_closes(live_server):
    # Werkzeug's server closes the connection after each answer.
    app = create_data_service("testing")
    server = live_server(app)
    answers, _ = load(server.port, 0.3, connections=2, depth=1)
    assert answers[200] > 2
    assert set(answers) == {200}
    with app.app_context():
        db.engine.dispose()


def test_the_requests_name_a_host_and_accept_json():
    # What CRS expects of an ordinary client (rule 920350: no IP as Host).
    assert b"\r\nHost: localhost\r\n" in REQUEST
    assert REQUEST.endswith(b"\r\n\r\n")


def test_the_table_has_a_line_a_setup():
    results = [
        Result("plain nginx", Counter({200: 3000}), 2.0),
        Result("Flask-Limiter", Counter({200: 1, 429: 99}), 0.5),
    ]
    lines = table(results).splitlines()
    assert lines[2] == "| plain nginx          |     1,500 |         0 |"
    assert lines[3] == "| Flask-Limiter        |         2 |       198 |"
