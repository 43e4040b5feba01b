"""Audio fixtures for media tests: the committed files and their expected measurements."""

import importlib.util
from pathlib import Path

import pytest

AUDIO = Path(__file__).resolve().parents[1] / "fixtures" / "audio"
STDERR = Path(__file__).resolve().parent / "fixtures"


def _expected() -> dict[str, tuple[int, float, float]]:
    spec = importlib.util.spec_from_file_location("make_fixtures", AUDIO / "make_fixtures.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.EXPECTED


EXPECTED = _expected()


@pytest.fixture(scope="session")
def two_hour_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two hours of silence, 8 kHz mono at 8 kbps (~7 MB, ~2 s of CPU to make)."""
    from media.ffmpeg import run_ffmpeg

    path = tmp_path_factory.mktemp("long") / "two-hours.mp3"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono", "-t", "7200", "-c:a", "libmp3lame", "-b:a", "8k", str(path)]
    )
    return path
