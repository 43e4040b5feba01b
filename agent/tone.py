"""The alert tone played before an emergency whose audio has none (a recording; a TTS render carries its
own, `tone_in_audio`): three rising beeps, generated (no file to ship)."""

import math
import struct
import wave
from pathlib import Path

RATE = 22050
BEEPS = ((880.0, 0.35), (1175.0, 0.35), (1568.0, 0.5))
GAP_S = 0.12
AMPLITUDE = 0.6


def tone_frames() -> bytes:
    samples: list[int] = []
    for frequency, seconds in BEEPS:
        n = int(RATE * seconds)
        fade = int(RATE * 0.01)  # 10 ms ramps: no clicks
        for i in range(n):
            envelope = min(1.0, i / fade, (n - i) / fade)
            samples.append(int(32767 * AMPLITUDE * envelope * math.sin(2 * math.pi * frequency * i / RATE)))
        samples.extend([0] * int(RATE * GAP_S))
    return struct.pack(f"<{len(samples)}h", *samples)


def write_alert_tone(path: Path) -> int:
    """Write the tone as a 16-bit mono WAV (any player, aplay included, plays it); returns its length in ms."""
    frames = tone_frames()
    tmp = path.with_name(path.name + ".tmp")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames)
    tmp.replace(path)
    return wav_duration_ms(path)


def wav_duration_ms(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        return round(w.getnframes() * 1000 / w.getframerate())
