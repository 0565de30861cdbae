"""The benchmark's parts (the README runs the whole, once, in smoke mode):
what it counts and how it reports, never how fast anything was.

Its Flask-Limiter setup, waf_flask_limiter.py, is checked by its own
docstring example (429 with Retry-After, in JSON) and served in that run.
"""

from collections import Counter

from chapter04.dataservice import create_app as create_data_service
from chapter04.monolith.models import db
from chapter07.machinery.benchmark import REQUEST, Result, Slice, load, rows, targets
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


def test_a_slice_counts_the_server_s_cpu_per_answer():
    slice_ = Slice(Counter({200: 3000, 429: 1000}), 2.0, 0.08)
    assert slice_.per_second(200) == 1500
    assert slice_.refused_per_second() == 500
    assert slice_.cpu_us() == 20.0
    # No /proc (macOS): the CPU is unknown, not zero.
    assert Slice(Counter({200: 1}), 1.0, None).cpu_us() != 0


def test_the_table_has_a_line_a_setup_with_medians_and_spreads():
    results = [
        Result(
            "plain nginx",
            [Slice(Counter({200: n}), 1.0, n * 20e-6) for n in (900, 1000, 1100)],
        ),
        Result(
            "Flask-Limiter",
            [Slice(Counter({200: 1, 429: 99}), 1.0, 0.1) for _ in range(3)],
        ),
    ]
    assert rows(results) == [
        ("plain nginx", "1,000", "0", "±10%", "20.0", "±0%"),
        ("Flask-Limiter", "1", "99", "±0%", "1,000.0", "±0%"),
    ]


def test_a_missed_target_says_missed():
    def result(name, *answers):
        return Result(name, [Slice(Counter(a), 1.0, None) for a in answers])

    lines = targets(
        [
            result("plain nginx", {200: 100}, {200: 100}, {200: 100}),
            # One round spoiled by the machine: the median does not move.
            result("Lua WAF", {200: 80}, {200: 95}, {200: 20}),
            result("Lua limiter", {429: 400}),
            result("nginx limit_req", {429: 600}),
            result("Flask-Limiter", {429: 100}),
        ]
    )
    assert lines[0].startswith("Lua WAF costs 20.0% of plain nginx's requests/s")
    assert lines[0].endswith(": MISSED")
    assert lines[1].endswith(
        "4.0x as fast as Flask-Limiter (target: at least 5x): MISSED"
    )
    assert lines[2].endswith(": met")
