"""The text a content item is read from, the lexicon of its areas and its spoken form.

The title is read first, then the body; an emergency is read twice, "Xin nhắc lại:" between
(the rule loudspeaker stations follow for urgent news). The lexicon is the default one with the pronunciation
overrides of the deepest area all targets share (tts.lexicon_store: a commune's reading of an
abbreviation beats the province's). The voice is the item's own, else that same area's (inherited down the
tree), else the deployment's default.
"""

from collections.abc import Mapping
from typing import Any

from sqlmodel import Session

from campaigns.scope import common_ancestor
from core.areas import Area, area_voice
from core.errors import Invalid
from tts.config import normalize_options
from tts.lexicon_store import effective_lexicon
from tts.normalizer import NormalizeError, normalize

REPEAT_INTRO = "Xin nhắc lại:"


def text_to_read(title: str, body: str, *, emergency: bool = False) -> str:
    title = title.strip()
    end = "" if title[-1:] in ".!?:" else "."
    once = f"{title}{end}\n\n{body.strip()}"
    return f"{once}\n\n{REPEAT_INTRO}\n\n{once}" if emergency else once


def lexicon_for(session: Session, areas: list[Area]) -> dict[str, str]:
    area_id = common_ancestor(areas)
    return effective_lexicon(session, session.get(Area, area_id) if area_id is not None else None)


def voice_for(session: Session, own: str | None, areas: list[Area]) -> str | None:
    """The installed voice an item is read with: its own, else its areas' (None: the default voice)."""
    if own:
        return own
    area_id = common_ancestor(areas)
    return area_voice(session, session.get(Area, area_id) if area_id is not None else None)[0]


def spoken_text(text: str, *, lexicon: Mapping[str, str], settings: Any) -> str:
    """The spoken form, or a 422 saying why the text cannot be read."""
    try:
        return normalize(text, lexicon=lexicon, options=normalize_options(settings)).text
    except NormalizeError as exc:
        raise Invalid(f"Không đọc được văn bản: {exc}") from exc
