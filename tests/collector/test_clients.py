"""Who a request comes from, and the rate limit per client."""

import time

from collector.clients import RateLimiter, client_ip, retry_after, trusted_networks

PROXIES = trusted_networks("10.0.0.0/8, 192.168.1.5")


def test_the_peer_is_the_client_unless_it_is_a_trusted_proxy():
    assert client_ip("203.0.113.9", "198.51.100.1", PROXIES) == "203.0.113.9"
    assert client_ip("10.1.2.3", "198.51.100.1", PROXIES) == "198.51.100.1"
    assert client_ip("10.1.2.3", None, PROXIES) == "10.1.2.3"


def test_forwarded_for_is_read_from_the_nearest_hop():
    # The client wrote a fake first hop; the trusted proxies appended the real ones.
    assert client_ip("10.1.2.3", "1.2.3.4, 198.51.100.1, 192.168.1.5", PROXIES) == "198.51.100.1"
    assert client_ip("10.1.2.3", "10.9.9.9, 192.168.1.5", PROXIES) == "10.9.9.9"  # all trusted
    assert client_ip("10.1.2.3", "not an address", PROXIES) == "not an address"


def test_no_proxy_is_trusted_by_default():
    assert trusted_networks("") == []
    assert client_ip("127.0.0.1", "198.51.100.1", []) == "127.0.0.1"


def test_a_client_gets_its_requests_a_minute_then_waits():
    limiter = RateLimiter(per_minute=3)
    assert [limiter.take("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = limiter.take("a")
    assert 19 < wait <= 20  # one request every 20 s
    assert retry_after(wait) == "20"
    assert limiter.take("b") == 0.0  # per client


def test_the_bucket_refills_over_the_minute():
    limiter = RateLimiter(per_minute=600)  # one every 0.1 s
    for _ in range(600):
        assert limiter.take("a") == 0.0
    assert limiter.take("a") > 0
    time.sleep(0.25)
    assert limiter.take("a") == 0.0
