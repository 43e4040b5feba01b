"""probe() describes audio; validate_upload() accepts real audio and refuses the rest in Vietnamese."""

import shutil

import pytest

from media.ffmpeg import MediaError
from media.probe import InvalidAudio, probe, validate_upload

from .conftest import AUDIO, EXPECTED

MB = 1024 * 1024
LIMITS = {"max_bytes": 50 * MB, "max_duration_ms": 30 * 60_000}


@pytest.mark.parametrize(
    ("name", "codec", "format_name", "rate"),
    [
        ("speech_vi.wav", "pcm_s16le", "wav", 16000),
        ("speech_vi.mp3", "mp3", "mp3", 16000),
        ("speech_vi.ogg", "vorbis", "ogg", 16000),
        ("speech_vi.m4a", "aac", "mov,mp4,m4a,3gp,3g2,mj2", 16000),
    ],
)
def test_real_fixtures_are_accepted(name, codec, format_name, rate):
    info = validate_upload(AUDIO / name, **LIMITS)
    assert info.codec == codec
    assert info.format_name == format_name
    assert info.sample_rate == rate
    assert info.channels == 1
    assert info.duration_ms == pytest.approx(EXPECTED[name][0], abs=30)
    assert info.size_bytes == (AUDIO / name).stat().st_size


def test_text_renamed_mp3_is_not_audio(tmp_path):
    fake = tmp_path / "bai-phat-thanh.mp3"
    fake.write_text("Kế hoạch số 205/KH-UBND ngày 28/4/2021\n" * 50, encoding="utf-8")
    with pytest.raises(InvalidAudio) as caught:
        validate_upload(fake, **LIMITS)
    assert caught.value.code == "not_audio"
    assert str(caught.value) == "Tệp không phải là âm thanh hợp lệ"
    assert isinstance(caught.value, ValueError)


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.mp3"
    empty.touch()
    with pytest.raises(InvalidAudio, match="tệp rỗng") as caught:
        validate_upload(empty, **LIMITS)
    assert caught.value.code == "empty"


def test_two_hours_is_too_long(two_hour_mp3):
    with pytest.raises(InvalidAudio) as caught:
        validate_upload(two_hour_mp3, **LIMITS)
    assert caught.value.code == "too_long"
    assert str(caught.value) == "Tệp quá dài: 2 giờ 0 phút, tối đa 30 phút"


def test_length_limits_apply_to_real_audio():
    with pytest.raises(InvalidAudio, match="Tệp quá dài: 2,8 giây, tối đa 2 giây"):
        validate_upload(AUDIO / "speech_vi.wav", max_bytes=MB, max_duration_ms=2000)
    with pytest.raises(InvalidAudio, match="Tệp quá ngắn: 2,8 giây, tối thiểu 5 giây") as caught:
        validate_upload(AUDIO / "speech_vi.wav", max_bytes=MB, max_duration_ms=60_000, min_duration_ms=5000)
    assert caught.value.code == "too_short"


def test_size_limit_is_checked_before_decoding():
    with pytest.raises(InvalidAudio, match="Tệp quá lớn: 89 KB, tối đa 10 KB") as caught:
        validate_upload(AUDIO / "speech_vi.wav", max_bytes=10 * 1024, max_duration_ms=60_000)
    assert caught.value.code == "too_large"


def test_a_video_file_is_not_an_audio_upload(tmp_path):
    from media.ffmpeg import run_ffmpeg

    video = tmp_path / "clip.m4a"
    run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=red:s=32x32:d=1", "-i", str(AUDIO / "speech_vi.wav"), "-shortest",
         "-c:v", "mpeg4", "-c:a", "aac", "-f", "mp4", str(video)]
    )  # fmt: skip
    with pytest.raises(InvalidAudio, match="chỉ nhận MP3, WAV, OGG, M4A") as caught:
        validate_upload(video, **LIMITS)
    assert caught.value.code == "format"


def test_probe_of_non_audio_raises_media_error(tmp_path):
    text = tmp_path / "note.wav"
    shutil.copy(AUDIO / "make_fixtures.py", text)
    with pytest.raises(MediaError):
        probe(text)


