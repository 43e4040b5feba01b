"""The deployment's speech settings (LOAXA_TTS_*) as the normalizer's and the pipeline's option objects."""

from pathlib import Path
from typing import TYPE_CHECKING

from core.config import Settings
from media.encode import Format
from tts.normalizer import NormalizeOptions

if TYPE_CHECKING:
    from tts.pipeline import RenderSettings


def normalize_options(settings: Settings) -> NormalizeOptions:
    return NormalizeOptions(zero_tens=settings.tts_zero_tens, thousand=settings.tts_thousand)


def voices_dir(settings: Settings) -> Path:
    return settings.data_dir / "voices"


def render_settings(settings: Settings, *, engine: str | None = None, voice: str | None = None,
                    fmt: Format = "mp3", alert_tone: bool = False) -> "RenderSettings":
    from tts.pipeline import RenderSettings
    from tts.voices import resolve

    voice = voice or settings.tts_voice
    installed = resolve(voices_dir(settings), voice)  # a voice the province added (loaxa tts voices add)
    if installed is not None:
        engine, voice = installed
    return RenderSettings(engine=engine or settings.tts_engine, voice=voice,
                          rate_wpm=settings.tts_rate_wpm, profile=settings.tts_profile,
                          target_lufs=settings.tts_target_lufs, true_peak_dbtp=settings.tts_true_peak_dbtp,
                          format=fmt, lead_in_ms=settings.tts_lead_in_ms, alert_tone=alert_tone)
