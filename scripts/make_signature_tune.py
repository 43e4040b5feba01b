"""Make the default signature tune ("nhạc hiệu") shipped in media/assets/signature_tune.mp3.

    .venv/bin/python scripts/make_signature_tune.py            # rewrites the file (same bytes every time)

A 4.5-second chime synthesised by ffmpeg (no recording, nothing to license): a rising pentatonic
motif C5-E5-G5-C6 and a closing C-major chord, each note a sine with two soft overtones and an
exponential decay, then brought to the programme loudness (-16 LUFS, -1.5 dBTP) by the project's
own loudness chain and encoded like every rendered item (MP3 64 kbit/s mono 22.05 kHz, bitexact).
"""

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from media.encode import WAV_PCM, EncodeSpec  # noqa: E402
from media.ffmpeg import run_ffmpeg  # noqa: E402
from media.loudness import normalize  # noqa: E402

OUT = REPO / "media" / "assets" / "signature_tune.mp3"
SAMPLE_RATE = 22050
DURATION_S = 4.5
# (start s, frequency Hz, amplitude): the motif, then the chord held to the end
NOTES = [
    (0.00, 523.25, 0.30), (0.35, 659.25, 0.30), (0.70, 783.99, 0.30), (1.05, 1046.50, 0.28),
    (1.80, 523.25, 0.22), (1.80, 659.25, 0.20), (1.80, 783.99, 0.20), (1.80, 1046.50, 0.16),
]


def note(start: float, freq: float, amp: float) -> str:
    """A chime note: fundamental + 2nd and 3rd partials, decaying from `start`."""
    t = f"(t-{start})"
    decay = 3.0 if start < 1.5 else 1.4  # the final chord rings longer
    tone = f"(sin(2*PI*{freq}*{t})+0.35*sin(4*PI*{freq}*{t})+0.12*sin(6*PI*{freq}*{t}))"
    return f"{amp}*gte(t,{start})*exp(-{decay}*{t})*{tone}"


def main() -> None:
    expression = "+".join(note(*n) for n in NOTES).replace(",", "\\,")  # a bare comma ends the filter
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "tune.wav"
        # the fade-out keeps the tail clean; the 20 ms fade-in removes the click of the first note
        run_ffmpeg(["-f", "lavfi", "-i", f"aevalsrc={expression}:s={SAMPLE_RATE}:d={DURATION_S}",
                    "-af", f"afade=t=in:d=0.02,afade=t=out:st={DURATION_S - 0.8}:d=0.8",
                    *WAV_PCM.output_args(), "-y", str(raw)])
        loudness = normalize(raw, OUT, output=EncodeSpec(format="mp3"))
    print(f"{OUT.relative_to(REPO)}: {OUT.stat().st_size} bytes, {loudness}")


if __name__ == "__main__":
    main()
