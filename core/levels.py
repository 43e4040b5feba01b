"""The priority ladder of broadcast content (Thông tư 39/2020/TT-BTTTT): khẩn cấp > tiếp sóng > ưu tiên >
thông thường, with filler (intros, outros, filler music) below them all. Relays (tiếp sóng: a live stream of a
higher-level station at a scheduled time) are not content: they rank between emergency and
priority. One home for its words, ranks and labels.

Why here, in `core`: `campaigns` stores a content item's level (the words of `ContentLevel`, in the API,
the database and imports) and the `playlists` planner ranks by it (`Level`). `campaigns` imports no
other domain package, and the planner must stay pure (no database code, while `campaigns.models`
pulls in SQLModel), so neither can own the ladder for the other. A tiny pure module under both
(it imports only `core.errors`) keeps one definition.

`ContentLevel` is what a content item may be; `Level` adds the filler rung and orders the rungs by
number (higher wins). `Level.from_api` turns the words into rungs; `PlanningInputError`, which it
raises, lives here for that reason, and the planner raises it for its other bad input too.
"""

from enum import IntEnum, StrEnum

from core.errors import Invalid


class PlanningInputError(Invalid):
    """The planner was handed inconsistent input (a caller bug, or bad data upstream)."""


class ContentLevel(StrEnum):
    """A content item's level, as the API, the database and imported files spell it."""

    normal = "normal"  # thông thường
    priority = "priority"  # ưu tiên
    emergency = "emergency"  # khẩn cấp


class Level(IntEnum):
    """The priority ladder as one table of numbers: higher wins."""

    FILLER = 1
    NORMAL = 50
    PRIORITY = 75
    RELAY = 80  # a live stream of a higher-level station ("tiếp sóng"): above priority, below emergency
    EMERGENCY = 100

    @property
    def api_name(self) -> str:
        return self.name.lower()

    @classmethod
    def from_api(cls, name: str) -> "Level":
        """"normal" | "priority" | "emergency" (the API's words) to a level."""
        try:
            level = cls[name.upper()]
        except KeyError:
            raise PlanningInputError(f"Mức độ tin không hợp lệ: '{name}'.") from None
        if level in (cls.FILLER, cls.RELAY):
            raise PlanningInputError(f"Mức '{level.api_name}' không dùng cho nội dung.")
        return level


LEVEL_LABELS: dict[Level, str] = {
    Level.EMERGENCY: "Khẩn cấp",
    Level.RELAY: "Tiếp sóng",
    Level.PRIORITY: "Ưu tiên",
    Level.NORMAL: "Thông thường",
    Level.FILLER: "Nhạc hiệu, nhạc đệm",
}

# The labels of the content levels, in the order forms list them (normal first).
CONTENT_LEVEL_LABELS: dict[ContentLevel, str] = {c: LEVEL_LABELS[Level.from_api(c)] for c in ContentLevel}
