"""A free TCP port on loopback for servers a test starts (uvicorn, streams, SMTP...)."""

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
