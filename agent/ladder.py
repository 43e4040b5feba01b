"""The priority ladder: one table of numbers decides what may interrupt what (docs/devices.md).

A source interrupts what is on air only when its level is strictly higher; an equal or lower one
waits for the current item to end.
"""

EMERGENCY = 100
RELAY = 80
PRIORITY = 75
NORMAL = 50
FILLER = 25
SILENCE = 1

LADDER: dict[str, int] = {
    "emergency": EMERGENCY,
    "relay": RELAY,
    "priority": PRIORITY,
    "normal": NORMAL,
    "filler": FILLER,
    "silence": SILENCE,
}


def level_of(kind: str, level: str | None) -> int:
    """The ladder level of a playlist item or command: relays by kind, content by its level."""
    if kind == "relay":
        return RELAY
    if kind in ("filler", "intro", "outro"):
        return FILLER
    if kind == "alert":
        return EMERGENCY
    return LADDER.get(level or "normal", NORMAL)


def interrupts(new: int, current: int) -> bool:
    """Whether a source at level `new` stops what plays at level `current`."""
    return new > current
