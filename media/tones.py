"""The alert tone that opens an emergency item: three rising beeps, generated in the speech's own
WAV format (so it joins the sentences without conversion). The agent plays the same beeps
(agent/tone.py) before a pushed emergency; the agent imports nothing from the server, hence two copies."""

import math
import struct
import wave
from pathlib import Path

from media.ffmpeg import MediaError
from media.join import WavFormat

BEEPS = ((880.0, 0.35), (1175.0, 0.35), (1568.0, 0.5))
GAP_S = 0.12
AMPLITUDE = 0.5
FADE_S = 0.01  # ramps in and out: no clicks


def write_alert_tone(path: Path, fmt: WavFormat) -> int:
    """Write the tone as a WAV in `fmt` (16-bit PCM only); returns its length in ms."""
    if fmt.sample_width != 2:
        raise MediaError(f"Chuông báo chỉ tạo được ở dạng PCM 16 bit (nhận {8 * fmt.sample_width} bit)")
    rate = fmt.sample_rate
    samples: list[int] = []
    for frequency, seconds in BEEPS:
        n = int(rate * seconds)
        fade = max(1, int(rate * FADE_S))
        for i in range(n):
            envelope = min(1.0, i / fade, (n - i) / fade)
            samples.append(int(32767 * AMPLITUDE * envelope * math.sin(2 * math.pi * frequency * i / rate)))
        samples.extend([0] * int(rate * GAP_S))
    frames = b"".join(struct.pack("<h", s) * fmt.channels for s in samples)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(fmt.channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return round(len(samples) * 1000 / rate)
