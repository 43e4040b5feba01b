"""One settings class, read from LOAXA_* environment variables and validated at start."""

import re
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"changeme", "change-me", "secret", "changethis"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOAXA_", extra="ignore")

    data_dir: Path = Path("./var")
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    secret_key: str | None = None
    timezone: str = "Asia/Ho_Chi_Minh"
    # Where the server is reachable from devices, used in absolute playlist URLs (M3U8).
    public_base_url: str | None = None

    # Background work: "thread" runs tasks in-process; "rq" sends them to Redis workers.
    task_backend: Literal["thread", "rq"] = "thread"
    task_workers: int = 2
    redis_url: str = "redis://127.0.0.1:6379/0"
    # How often each `loaxa worker` sends again the tasks queued in the database that Redis lost (core.rq_worker).
    task_requeue_seconds: float = Field(default=15.0, gt=0)

    # The in-process scheduler of `loaxa serve`; turn off when a separate `loaxa scheduler` runs.
    scheduler_enabled: bool = True
    nightly_build_time: str = "01:30"
    misfire_grace_seconds: int = 6 * 3600
    # A process that finds the scheduler lock taken retries it this often and takes over when its holder dies.
    scheduler_standby_seconds: float = 5.0

    access_token_minutes: int = 12 * 60
    login_max_failures: int = 5
    login_window_seconds: int = 300

    tts_engine: str = "espeak-ng"
    tts_voice: str = "vi"
    tts_rate_wpm: int = 130
    tts_profile: Literal["standard", "horn"] = "standard"
    tts_target_lufs: float = -16.0
    tts_true_peak_dbtp: float = -1.5
    # Silence at the start of every rendered item: IP receivers switch their amplifier on when audio starts.
    tts_lead_in_ms: int = 800
    # Regional reading of numbers: "linh"/"lẻ" for 105, "nghìn"/"ngàn" for 1000.
    tts_zero_tens: Literal["linh", "lẻ"] = "linh"
    tts_thousand: Literal["nghìn", "ngàn"] = "nghìn"

    silent_after_days: int = 2

    # Devices (docs/devices.md): heartbeat period, when a silent device counts as offline, MQTT push.
    device_heartbeat_s: int = 60
    device_offline_after_s: int = 600
    mqtt_url: str | None = None  # mqtt://host:1883; unset: no push (devices poll the heartbeat)
    mqtt_public_url: str | None = None  # what devices are told to connect to (default: mqtt_url)
    pairing_max_failures: int = 10
    pairing_window_seconds: int = 900
    # Alarms for silent clusters: webhook and e-mail, at most one message per cluster per hour.
    alarm_silent_after_min: int = 5
    alarm_clock_offset_s: int = 30
    alarm_webhook_url: str | None = None
    smtp_url: str | None = None  # smtp://host:port (smtp://user:password@host:port)
    alarm_email_from: str | None = None
    alarm_email_to: str | None = None  # comma-separated
    # Relays (tiếp sóng): a stream URL is checked when saved, for at most this long; false skips the check.
    stream_check: bool = True
    stream_check_timeout_s: float = 4.0
    # Media through nginx (docs/nginx/loaxa.conf): the `internal` location that serves the media directory,
    # e.g. "/_loaxa_media". Set: audio GETs are answered, once authorised, by an empty 200 with
    # X-Accel-Redirect and nginx sends the bytes. Unset (default): loaxa sends them itself.
    media_accel_prefix: str | None = None
    # Largest request body accepted (uploads of recordings are the big ones).
    max_request_bytes: int = 60_000_000
    # Back-pressure on device writes (as-run batches, heartbeats; core/write_gate.py): writers at once
    # (unset: 1 on SQLite, half the connection pool on PostgreSQL; 0 turns the gate off, to measure without
    # it), the longest wait for a turn, how many requests may wait, the longest Retry-After of a refusal.
    write_slots: int | None = Field(default=None, ge=0)
    write_wait_s: float = Field(default=3.0, gt=0, le=20)
    write_queue: int = Field(default=100, ge=1)
    write_retry_after_max_s: int = Field(default=60, ge=1)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"Múi giờ không hợp lệ: {value!r}") from exc
        return value

    @field_validator("secret_key")
    @classmethod
    def _no_placeholder_secret(cls, value: str | None) -> str | None:
        if value is not None and (value.lower() in PLACEHOLDER_SECRETS or len(value) < 16):
            raise ValueError("LOAXA_SECRET_KEY phải là một chuỗi bí mật thật, ít nhất 16 ký tự.")
        return value

    @field_validator("media_accel_prefix")
    @classmethod
    def _accel_prefix_is_a_path(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not re.fullmatch(r"(/[A-Za-z0-9_.~-]+)+/?", value):
            raise ValueError(f"LOAXA_MEDIA_ACCEL_PREFIX phải là một đường dẫn như /_loaxa_media: {value!r}")
        return value.rstrip("/")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def sqlalchemy_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'loaxa.db').resolve()}"

    def ensure_dirs(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.media_dir.mkdir(parents=True, exist_ok=True)

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated on first start and kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        self.ensure_dirs()
        path = self.data_dir / "secret_key"
        if not path.exists():
            tmp = path.with_suffix(".tmp")
            tmp.write_text(secrets.token_urlsafe(48))
            tmp.chmod(0o600)
            tmp.replace(path)
        return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
