"""No open listener by accident (issue 29): a server that anyone on the network could reach
must have a credential, or an operator who says ``--insecure``.

Example
-------
>>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
(True, True, False)
>>> check_listener("mags web", "0.0.0.0", credentials=False, how="there is none", insecure=True)
"""

from __future__ import annotations

import ipaddress

from mags.core.errors import InvalidInputError


def is_loopback(host: str) -> bool:
    """Whether ``host`` only reaches this machine (127.0.0.0/8, ::1, localhost)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name: it may resolve to anything


def check_listener(
    command: str,
    host: str,
    *,
    credentials: bool,
    how: str,
    insecure: bool,
    risk: str = "read every user's memory",
) -> None:
    """Refuse to listen on a non-loopback ``host`` without ``credentials`` unless
    ``insecure``; ``how`` says which flag gives credentials, ``risk`` what is exposed."""
    if credentials or insecure or is_loopback(host):
        return
    raise InvalidInputError(
        f"{command} will not listen on {host} without credentials: anyone who reaches it could "
        f"{risk}; {how}, or pass --insecure if you mean it"
    )
