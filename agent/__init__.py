"""loaxa agent: the player on a loudspeaker cluster (docs/devices.md is its contract with the server).

Depends only on the standard library, httpx and paho-mqtt, and imports none of the server's packages,
so it installs alone on a small Debian or Raspberry Pi OS box (`agent/pyproject.toml`).
"""

__version__ = "0.2.0"
