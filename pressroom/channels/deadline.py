"""Total time-outs: sockets whose reads and writes share one deadline.

A socket's time-out bounds each single read, so a peer that trickles a byte a
second never trips it and holds a job as long as it likes. The sockets here
shrink their time-out to what is left until ``deadline`` before every read and
write, so a whole exchange (an SMTP transaction, a web request) ends in time
however slowly the peer answers. A plain socket is adopted right after it
connected (``limit``); TLS sockets come from a context made by ``tls_context``.
What stays bounded per read only: name resolution and the TLS handshake.
"""

from __future__ import annotations

import socket
import ssl
import time
from typing import Any


class DeadlineExceeded(TimeoutError):
    """The exchange ran out of its total time."""


class _Limited(socket.socket):
    """Every read and write may use only the time left before ``deadline`` (time.monotonic)."""

    deadline: float | None = None  # None: only the ordinary per-read time-out

    def _shrink(self) -> None:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceeded("timed out")
            self.settimeout(left)

    def recv(self, *args: Any, **kwargs: Any) -> Any:
        self._shrink()
        return super().recv(*args, **kwargs)

    def recv_into(self, *args: Any, **kwargs: Any) -> Any:
        self._shrink()
        return super().recv_into(*args, **kwargs)

    def send(self, *args: Any, **kwargs: Any) -> Any:
        self._shrink()
        return super().send(*args, **kwargs)

    def sendall(self, *args: Any, **kwargs: Any) -> Any:
        self._shrink()
        return super().sendall(*args, **kwargs)


class DeadlineSocket(_Limited):
    """A plain TCP socket with a deadline."""


class DeadlineSSLSocket(_Limited, ssl.SSLSocket):
    """A TLS socket with a deadline (made by a ``tls_context()``)."""


def tls_context() -> ssl.SSLContext:
    """Return the default verifying TLS context, whose sockets keep a deadline."""
    context = ssl.create_default_context()
    context.sslsocket_class = DeadlineSSLSocket
    return context


def limit(sock: socket.socket, deadline: float | None) -> socket.socket:
    """Return *sock* bounded by *deadline*: a plain socket is adopted (call this before
    anything reads from it), a socket from ``tls_context()`` just takes the deadline."""
    limited = sock if isinstance(sock, _Limited) else _adopt(sock)
    limited.deadline = deadline
    return limited


def _adopt(sock: socket.socket) -> DeadlineSocket:
    if type(sock) is not socket.socket:  # a TLS socket cannot change its class afterwards
        raise TypeError(f"cannot put a deadline on a {type(sock).__name__}")
    timeout = sock.gettimeout()
    adopted = DeadlineSocket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    adopted.settimeout(timeout)
    return adopted


def passed(deadline: float) -> bool:
    """Tell whether *deadline* (time.monotonic) has passed."""
    return time.monotonic() >= deadline
