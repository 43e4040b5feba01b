"""The signature tune ("nhạc hiệu") of a slot's programme: the default one shipped with the project,
and setting or clearing it on one slot or on every slot of an area in one step.

The default tune is media/assets/signature_tune.mp3 (made by scripts/make_signature_tune.py, a
4.5 s synthesised chime at the programme loudness). It is copied into the media store the first
time it is used, so slots refer to it by hash like to any uploaded audio.
"""

import functools
import shutil
from datetime import tzinfo
from pathlib import Path
from typing import Literal

from sqlmodel import Session, col, select

from core.areas import Area, is_within
from core.errors import Forbidden, Invalid
from core.files import file_sha256
from media.store import MediaStore
from playlists.models import SlotTemplateRow
from playlists.slots import SlotUpdate, update_slot

DEFAULT_TUNE = Path(__file__).resolve().parents[1] / "media" / "assets" / "signature_tune.mp3"
Which = Literal["intro", "outro", "both"]
WHICH: tuple[Which, ...] = ("intro", "outro", "both")


@functools.cache
def default_tune_hash() -> str:
    """The shipped tune's hash (to tell it apart on the pages; nothing is stored)."""
    return file_sha256(DEFAULT_TUNE)


def default_tune_sha(store: MediaStore) -> str:
    """The shipped tune's hash, stored in `store` if it is not there yet."""
    sha = default_tune_hash()
    if store.find(sha) is None:
        staged = store.tmp_dir() / f"default-tune-{sha[:12]}.mp3"
        shutil.copyfile(DEFAULT_TUNE, staged)
        store.put(staged, "mp3")
    return sha


def _changes(which: str, sha: str | None) -> SlotUpdate:
    fields = {f"{end}_sha256": sha for end in ("intro", "outro") if which in (end, "both")}
    return SlotUpdate.model_validate(fields)


def set_slot_tune(session: Session, row: SlotTemplateRow, which: str, use_default: bool, *,
                  scope: Area | None, tz: tzinfo, store: MediaStore) -> None:
    """The default tune at the start/end (or both) of one slot, or none there."""
    if which not in WHICH:
        raise Invalid(f"Vị trí nhạc hiệu không hợp lệ: {which!r}; chọn intro (mở đầu), outro (kết thúc) hoặc both.")
    sha = default_tune_sha(store) if use_default else None
    update_slot(session, row, _changes(which, sha), scope=scope, tz=tz, store=store)


def area_slots(session: Session, area: Area) -> list[SlotTemplateRow]:
    """Slots set on `area` or on any area below it (its clusters' own slots included)."""
    query = (select(SlotTemplateRow).join(Area, col(Area.id) == SlotTemplateRow.area_id)
             .where(col(Area.path).startswith(area.path))
             .order_by(col(SlotTemplateRow.id)))
    return list(session.exec(query))


def set_area_tune(session: Session, area: Area, use_default: bool, *, scope: Area | None, tz: tzinfo,
                  store: MediaStore) -> int:
    """The default tune at the start and end of every slot set on `area` and below it (or none); returns how
    many slots changed. Slots inherited from areas above are theirs to set."""
    if not is_within(area, scope):
        raise Forbidden("Bạn chỉ được đặt nhạc hiệu cho địa bàn trong phạm vi được giao.")
    rows = area_slots(session, area)
    if not rows:
        raise Invalid(f"{area.name} chưa có khung giờ nào: thêm khung giờ trước, rồi đặt nhạc hiệu.")
    for row in rows:
        set_slot_tune(session, row, "both", use_default, scope=scope, tz=tz, store=store)
    return len(rows)
