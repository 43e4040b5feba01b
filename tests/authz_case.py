"""One case of the authorisation matrix (tests/api/test_authz_matrix.py); each package's authz_cases.py
lists its own, and the matrix imports them all."""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Case:
    name: str
    method: str
    path: Callable[[Any], str]          # ctx -> path
    expect: dict[str, int]
    json: Callable[[Any], Any] | None = None
    data: dict[str, Any] | None = None
    files: Callable[[Any], Any] | None = None
    setup: Callable[[Any], object] | None = field(default=None)  # what it returns is not used
