"""A WSGI middleware for X-Forwarded-For, and ProxyFix (chapter02/proxy_middleware.py).

The unit tests send the header by hand; the integration test puts a real nginx
in front of the app, as in production.
"""

import pytest
import requests

from chapter02.proxy_middleware import create_app
from testkit.services import proxy_to

SPOOFED = {"X-Forwarded-For": "6.6.6.6"}  # what a client may claim


@pytest.fixture(params=["ours", "proxyfix"])
def proxied_app(request):
    return create_app(middleware=request.param)


def test_without_a_proxy_the_peer_is_the_client():
    client = create_app(middleware="none").test_client()
    answer = client.get("/api/ip", headers={"X-Forwarded-For": "203.0.113.9"})
    # Without the middleware the header is ignored, as it should be.
    assert answer.json["remote_addr"] == "127.0.0.1"


def test_the_last_hop_added_by_our_proxy_is_the_client(proxied_app):
    client = proxied_app.test_client()
    # A client claimed 6.6.6.6; our proxy appended the address it saw.
    headers = {"X-Forwarded-For": "6.6.6.6, 203.0.113.9"}
    assert client.get("/api/ip", headers=headers).json == {
        "remote_addr": "203.0.113.9",
        "forwarded_for": "6.6.6.6, 203.0.113.9",
    }


def test_no_header_leaves_the_peer(proxied_app):
    answer = proxied_app.test_client().get("/api/ip")
    assert answer.json["remote_addr"] == "127.0.0.1"


@pytest.mark.integration
def test_behind_a_real_nginx_the_spoofed_address_is_ignored(
    proxied_app, live_server, nginx
):
    app = live_server(proxied_app)
    # Append the peer nginx saw to what the client sent.
    proxy = nginx(proxy_to(app.url, "$proxy_add_x_forwarded_for"))
    answer = requests.get(f"{proxy.url}/api/ip", headers=SPOOFED, timeout=5).json()
    assert answer == {"remote_addr": "127.0.0.1", "forwarded_for": "6.6.6.6, 127.0.0.1"}
