"""Where a request comes from: the one definition of the client address.

``FEIDI_TRUSTED_PROXY_COUNT`` says how many reverse proxies stand in front of the platform.
With 0 (the default) the client is ``REMOTE_ADDR`` and ``X-Forwarded-For`` is ignored: any
client can write that header. With N > 0 each trusted proxy appends the address it saw to
``X-Forwarded-For``, so the N-th entry from the right is the address the outermost trusted
proxy saw — the client. Entries further left were written by the client and are ignored.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address, or None. Accepts ``1.2.3.4:5678`` and
    ``[::1]:80``, which some proxies write.

    >>> _address(" 10.0.0.7 "), _address("10.0.0.7:443"), _address("[2001:DB8::1]:80")
    ('10.0.0.7', '10.0.0.7', '2001:db8::1')
    >>> _address("unknown") is None
    True
    """
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def forwarded_address(forwarded_for: str, remote_addr: str, proxies: int) -> str:
    """The client address given the ``X-Forwarded-For`` header, the socket's address and
    the number of trusted proxies.

    >>> forwarded_address("6.6.6.6", "10.0.0.1", 0)  # no proxy: the header is ignored
    '10.0.0.1'
    >>> forwarded_address("6.6.6.6, 203.0.113.9", "10.0.0.1", 1)  # a forged entry on the left
    '203.0.113.9'
    >>> forwarded_address("203.0.113.9, 10.0.0.2", "10.0.0.1", 2)
    '203.0.113.9'
    >>> forwarded_address("", "10.0.0.1", 1)  # reached the app without the proxy
    '10.0.0.1'
    """
    remote = _address(remote_addr) or remote_addr.strip()
    if proxies <= 0:
        return remote
    entries = [e for e in forwarded_for.split(",") if e.strip()]
    if len(entries) < proxies:  # fewer hops than trusted proxies: nothing here to trust
        return remote
    return _address(entries[-proxies]) or remote


def client_address(request: HttpRequest) -> str:
    """The address of the client that sent ``request``, as far as the configured proxies
    vouch for it (see the module docstring)."""
    return forwarded_address(
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        request.META.get("REMOTE_ADDR", ""),
        settings.FEIDI_TRUSTED_PROXY_COUNT,
    )
