"""Rate limits: the headers on every /api/v3 answer, 429, and the windows."""

from fakestrava.ratelimit import RateLimiter
from fakestrava.tests.helpers import fault

LIMIT_HEADERS = ("X-RateLimit-Limit", "X-ReadRateLimit-Limit")
USAGE_HEADERS = ("X-RateLimit-Usage", "X-ReadRateLimit-Usage")


def usage_of(answer):
    values = {answer.headers[name] for name in USAGE_HEADERS}
    assert len(values) == 1
    return values.pop()


def test_headers_count_requests(client, auth):
    for count in (1, 2, 3):
        answer = client.get("/api/v3/athlete", headers=auth)
        assert answer.status_code == 200
        for name in LIMIT_HEADERS:
            assert answer.headers[name] == "100,1000"
        assert usage_of(answer) == f"{count},{count}"


def test_errors_count_too(client, auth):
    assert usage_of(client.get("/api/v3/athlete")) == "1,1"
    assert usage_of(client.get("/api/v3/nowhere", headers=auth)) == "2,2"


def test_oauth_does_not_count(client, fake, login):
    login()
    answer = client.post("/oauth/token", data={})
    assert "X-RateLimit-Usage" not in answer.headers
    assert fake.usage == (0, 0)


def test_429_over_the_short_limit(client, auth, fake):
    fake.rate_limit = (3, 10)
    for _ in range(3):
        assert client.get("/api/v3/athlete", headers=auth).status_code == 200
    answer = client.get("/api/v3/athlete", headers=auth)
    assert answer.status_code == 429
    assert answer.json == {
        "message": "Rate Limit Exceeded",
        "errors": fault("Application", "rate limit", "exceeded"),
    }
    assert answer.headers["X-RateLimit-Limit"] == "3,10"
    assert usage_of(answer) == "4,4"
    assert fake.usage == (4, 4)


def test_429_over_the_daily_limit(client, auth, fake, clock):
    fake.rate_limit = (100, 2)
    client.get("/api/v3/athlete", headers=auth)
    clock.advance(15 * 60)  # a new window does not give back the day's budget
    assert client.get("/api/v3/athlete", headers=auth).status_code == 200
    clock.advance(15 * 60)
    answer = client.get("/api/v3/athlete", headers=auth)
    assert answer.status_code == 429
    assert usage_of(answer) == "1,3"


def test_new_quarter_hour_resets_the_short_count(client, auth, fake, clock):
    fake.rate_limit = (2, 1000)
    clock.now = clock.now - clock.now % 900 + 890  # 10 s before the next quarter
    client.get("/api/v3/athlete", headers=auth)
    client.get("/api/v3/athlete", headers=auth)
    assert client.get("/api/v3/athlete", headers=auth).status_code == 429
    clock.advance(10)
    answer = client.get("/api/v3/athlete", headers=auth)
    assert answer.status_code == 200
    assert usage_of(answer) == "1,4"


def test_midnight_utc_resets_the_daily_count():
    clock_values = iter([86400 * 5 - 1, 86400 * 5 - 1, 86400 * 5, 86400 * 5])
    limiter = RateLimiter((10, 10), lambda: next(clock_values))
    limiter.hit()
    assert limiter.usage == (1, 1)
    allowed, headers = limiter.hit()
    assert allowed
    assert headers["X-RateLimit-Usage"] == "1,1"
    assert limiter.usage == (1, 1)


def test_reset_usage(client, auth, fake):
    fake.rate_limit = (1, 1)
    client.get("/api/v3/athlete", headers=auth)
    assert client.get("/api/v3/athlete", headers=auth).status_code == 429
    fake.reset_usage()
    assert fake.usage == (0, 0)
    assert client.get("/api/v3/athlete", headers=auth).status_code == 200


def test_limits_can_be_read_and_changed(fake):
    assert fake.rate_limit == (100, 1000)
    fake.rate_limit = [600, 30000]
    assert fake.rate_limit == (600, 30000)
