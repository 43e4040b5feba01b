"""`loaxa agent status`: what the agent holds and will do, in Vietnamese, read from its state
directory alone (it works while the agent runs, and when the server is unreachable)."""

from datetime import datetime
from pathlib import Path
from typing import Any

from agent import schedule
from agent.cache import MediaCache, PlaylistCache, fallback_filler
from agent.clock import AgentClock, local_zone
from agent.db import Database
from agent.ledger import Ledger
from agent.outbox import Outbox
from agent.settings import load_settings
from agent.state import Paths, load_device

PUSH_WORDS = {"connected": "đã kết nối", "down": "mất kết nối (đang hỏi máy chủ định kỳ)", "off": "không dùng"}


def _when(raw: Any, tz: Any) -> str:
    if not isinstance(raw, str) or not raw:
        return "chưa có"
    try:
        return datetime.fromisoformat(raw).astimezone(tz).strftime("%d/%m/%Y %H:%M:%S")
    except ValueError:
        return raw


def report(state_dir: Path, now: datetime | None = None) -> str:
    paths = Paths(state_dir)
    device = load_device(state_dir)
    settings = load_settings(paths.settings)
    tz = local_zone(settings.timezone)
    now = now or AgentClock().now()
    lines = [f"Thiết bị: cụm loa {device.cluster_name or '?'} (mã {device.cluster_id}), máy chủ {device.server}"
             + (f", ghép lúc {_when(device.paired_at, tz)}" if device.paired_at else "")]
    if not paths.database.exists():
        lines.append("Tác tử chưa chạy lần nào ở thư mục này (`loaxa agent run --state ...`).")
        return "\n".join(lines)
    paths.make()
    db = Database(paths.database)
    try:
        meta = db.all_meta()
        playlists = PlaylistCache(paths)
        media = MediaCache(paths)
        files = media.files()
        lines.append(f"Trình phát: {meta.get('player', 'chưa rõ')}; âm lượng {meta.get('volume', settings.volume)}")
        lines.append("Danh sách phát trong bộ nhớ đệm:" if playlists.entries() else
                     "Danh sách phát trong bộ nhớ đệm: chưa có ngày nào")
        for day, cached in sorted(playlists.entries().items()):
            p = cached.playlist
            needed = p.media()
            missing = [sha for sha in needed if sha not in files]
            items = sum(len(s.items) for s in p.slots)
            lines.append(f"  {day:%d/%m/%Y}: phiên bản {p.version}, {len(p.slots)} khung giờ, {items} mục, "
                         + (f"thiếu {len(missing)}/{len(needed)} tệp" if missing else f"đủ {len(needed)} tệp")
                         + f" (nhận lúc {_when(cached.fetched_at, tz)})")
        size_mb = sum(f.stat().st_size for f in files.values()) / 1024 / 1024
        over = f" — ĐÃ ĐẦY, {meta.get('missing_media', '?')} tệp chưa tải" if meta.get("cache_over_budget") else ""
        lines.append(f"Tệp âm thanh: {len(files)} tệp, {size_mb:.1f} MB / {settings.cache_budget_mb:g} MB "
                     f"cho phép{over}")
        filler = fallback_filler(playlists.playlists(), now.astimezone(tz).date())
        lines.append("Nhạc đệm dự phòng: " + (f"{filler.title or filler.sha256} "
                                              f"({'có' if filler.sha256 in files else 'chưa có'} tệp)"
                                              if filler else "chưa có"))
        slots = schedule.slots_around(playlists.playlists(), now.astimezone(tz).date(), tz)
        done = Ledger(db).done([s.key for s in slots])
        nxt = schedule.upcoming(slots, done, now, limit=1)
        if nxt:
            slot, item = nxt[0]
            lines.append(f"Sắp phát: {item.starts_at.astimezone(tz):%d/%m/%Y %H:%M:%S} {item.title!r} "
                         f"({item.kind}, khung giờ {slot.name!r})")
        else:
            lines.append("Sắp phát: không có mục nào trong bộ nhớ đệm")
        playing = meta.get("now_playing")
        if playing:
            lines.append(f"Đang phát (lần ghi gần nhất): {playing.get('title')!r} "
                         f"từ {_when(playing.get('started_at'), tz)}")
        counts = Outbox(db).counts()
        parked = ""
        if counts.parked:
            reasons = "; ".join(Outbox(db).parked_reasons())
            parked = f"; {counts.parked} sự kiện máy chủ từ chối nhiều lần, để riêng ({reasons})"
        lines.append(f"Nhật ký phát chưa gửi: {counts.unsent} sự kiện{parked}")
        sync_error = meta.get("sync_error")
        lines.append(f"Đồng bộ thành công gần nhất: {_when(meta.get('last_sync_at'), tz)}"
                     + (f" (lần thử sau đó lỗi: {sync_error})" if sync_error else ""))
        offset = meta.get("clock_offset_ms")
        if isinstance(offset, int):
            lines.append(f"Độ lệch đồng hồ so với máy chủ: {offset:+d} ms" + (" — cần chỉnh giờ máy!"
                                                                             if abs(offset) > 30_000 else ""))
        lines.append(f"Nhận lệnh tức thời (MQTT): {PUSH_WORDS.get(str(meta.get('push', 'off')), meta.get('push'))}")
        last_error = meta.get("last_error")
        lines.append("Lỗi gần nhất: " + (f"{_when(last_error.get('at'), tz)} {last_error.get('message')}"
                                         if isinstance(last_error, dict) else "không có"))
    finally:
        db.close()
    return "\n".join(lines)
