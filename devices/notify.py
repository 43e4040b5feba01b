"""Alarm notices by webhook (JSON POST) and e-mail (SMTP), at most one message per cluster per hour.

Runs in the scheduled alarm job, never on a request. A cluster's turn is claimed first (its
`alarm_notice.last_sent_at` committed), then the message goes out: a restart never sends it twice,
and a failed send is retried at the cluster's next turn, an hour later, as its alarms stay
unnotified. Settings: `LOAXA_ALARM_WEBHOOK_URL`; `LOAXA_SMTP_URL` (smtp://[user:password@]host:port),
`LOAXA_ALARM_EMAIL_FROM`, `LOAXA_ALARM_EMAIL_TO` (comma-separated).
"""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import httpx
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import col, select

from core.areas import Area
from core.config import Settings
from core.db import saved_id, session_scope, table_of, upsert_insert
from devices.alarms import KIND_LABELS, AlarmKind
from devices.models import AlarmNotice, DeviceAlarm

log = logging.getLogger(__name__)

EVERY = timedelta(hours=1)
TIMEOUT_S = 10.0


@dataclass
class Notice:
    cluster_id: int
    cluster_name: str
    alarm_ids: list[int] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    alarms: list[dict] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return f"[Loa xã] Cảnh báo cụm loa “{self.cluster_name}”"

    def text(self) -> str:
        return "\n".join([f"Cụm loa: {self.cluster_name} (mã {self.cluster_id})", "", *self.lines, "",
                          "Thư này gửi tự động; mỗi cụm loa tối đa một thư mỗi giờ."])


def channels_configured(settings: Settings) -> bool:
    email = settings.smtp_url and settings.alarm_email_from and settings.alarm_email_to
    return bool(settings.alarm_webhook_url or email)


def _claim(engine: Engine, now: datetime, tz) -> list[Notice]:
    """The clusters whose unnotified open alarms may be sent now; their turn is recorded before anything is sent."""
    with session_scope(engine) as session:
        rows = list(session.exec(
            select(DeviceAlarm, Area).join(Area, col(Area.id) == DeviceAlarm.cluster_id)
            .where(col(DeviceAlarm.closed_at).is_(None), col(DeviceAlarm.notified_at).is_(None))
            .order_by(col(DeviceAlarm.cluster_id), col(DeviceAlarm.id))).all())
        if not rows:
            return []
        recent = set(session.exec(select(AlarmNotice.cluster_id).where(
            col(AlarmNotice.last_sent_at) > now - EVERY,
            col(AlarmNotice.cluster_id).in_({a.cluster_id for a, _ in rows}))))
        notices: dict[int, Notice] = {}
        for alarm, cluster in rows:
            if cluster.id in recent:
                continue
            notice = notices.setdefault(saved_id(cluster), Notice(saved_id(cluster), cluster.name))
            label = KIND_LABELS.get(AlarmKind(alarm.kind), alarm.kind)
            notice.alarm_ids.append(saved_id(alarm))
            notice.lines.append(f"- {label} (từ {alarm.opened_at.astimezone(tz):%H:%M %d/%m/%Y}): {alarm.detail}")
            notice.alarms.append({"id": alarm.id, "kind": alarm.kind, "label": label, "detail": alarm.detail,
                                  "opened_at": alarm.opened_at.astimezone(tz).isoformat()})
        table = table_of(AlarmNotice)
        for cluster_id in notices:
            session.execute(upsert_insert(session)(table).values(cluster_id=cluster_id, last_sent_at=now)
                            .on_conflict_do_update(index_elements=["cluster_id"], set_={"last_sent_at": now}))
        return list(notices.values())


def send_webhook(url: str, notice: Notice) -> None:
    payload = {"cluster_id": notice.cluster_id, "cluster_name": notice.cluster_name, "subject": notice.subject,
               "text": notice.text(), "alarms": notice.alarms}
    httpx.post(url, json=payload, timeout=TIMEOUT_S).raise_for_status()


def send_email(settings: Settings, notice: Notice) -> None:
    assert settings.smtp_url and settings.alarm_email_from and settings.alarm_email_to
    parts = urlsplit(settings.smtp_url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"LOAXA_SMTP_URL phải có dạng smtp://máy:cổng, nhận {settings.smtp_url!r}")
    message = EmailMessage()
    message["Subject"] = notice.subject
    message["From"] = settings.alarm_email_from
    message["To"] = ", ".join(a.strip() for a in settings.alarm_email_to.split(",") if a.strip())
    message.set_content(notice.text())
    smtp_class = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with smtp_class(parts.hostname, parts.port or (465 if parts.scheme == "smtps" else 25), timeout=TIMEOUT_S) as smtp:
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(message)


def send_alarm_notices(engine: Engine, settings: Settings, *, now: datetime) -> dict[str, int]:
    """Send what is due; returns how many clusters were notified and how many sends failed."""
    if not channels_configured(settings):
        return {"sent": 0, "failed": 0}
    sent = failed = 0
    for notice in _claim(engine, now, settings.tz):
        delivered = False
        senders = []
        if settings.alarm_webhook_url:
            senders.append(("webhook", lambda n=notice: send_webhook(settings.alarm_webhook_url or "", n)))
        if settings.smtp_url and settings.alarm_email_from and settings.alarm_email_to:
            senders.append(("e-mail", lambda n=notice: send_email(settings, n)))
        for channel, send in senders:
            try:
                send()
                delivered = True
            except (OSError, httpx.HTTPError, smtplib.SMTPException, ValueError) as exc:
                failed += 1
                log.warning("alarm notice for cluster %s by %s failed: %s", notice.cluster_id, channel, exc)
        if delivered:
            sent += 1
            with session_scope(engine) as session:
                session.execute(sa.update(DeviceAlarm).where(col(DeviceAlarm.id).in_(notice.alarm_ids))
                                .values(notified_at=now))
    return {"sent": sent, "failed": failed}
