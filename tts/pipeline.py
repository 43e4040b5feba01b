"""Render spoken text to a loudness-normalized audio file in the media store.

    spoken text -> synthesize (chunks of sentences, in parallel) -> join with each
    sentence's pause -> lead-in silence (+ alert tone) in front -> loudness (+ horn profile)
    -> encode -> content-addressed store

The lead-in is in the file itself, so every way a device plays it has it: an IP receiver
switches its amplifier on when audio starts and swallows the first syllable otherwise.

A render cache (small JSON files in store.root/cache/) keyed by the spoken text, engine,
voice, settings and PIPELINE_VERSION makes a second render of the same text free: the
engine is not started. Work files live in store.tmp_dir() and are removed on success
and on failure; only a finished file enters the store.
"""

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from media.encode import FORMATS, EncodeSpec, Format
from media.join import MAX_PAUSE_MS, Piece, wav_duration_ms, wav_format, write_concat_list, write_silence
from media.loudness import PROFILES, Loudness, Profile, check_targets, normalize
from media.store import MediaStore, atomic_write_text, media_url
from media.tones import write_alert_tone
from tts.engines import (
    ENGINE_NAMES,
    FALLBACK_ENGINE,
    Engine,
    EngineFailed,
    EngineUnavailable,
    Phrase,
    get_engine,
)
from tts.engines.espeak import DEFAULT_VOICE as ESPEAK_VOICE

if TYPE_CHECKING:
    from tts.normalizer import SpokenText

log = logging.getLogger(__name__)

# Bump when a change to the chain changes the audio it produces: old cache entries then miss.
PIPELINE_VERSION = "2"
# Sentences per engine process are grouped up to about this many characters (~2 min of
# speech): one espeak-ng process per sentence cost more CPU than the speaking itself.
CHUNK_CHARS = 1500
TIMEOUT_BASE_S = 30.0
TIMEOUT_PER_CHAR_S = 0.05
MIN_RATE_WPM = 80
MAX_RATE_WPM = 300
MAX_GAP_MS = 10_000
MAX_LEAD_IN_MS = 5_000
DEFAULT_LEAD_IN_MS = 800
# Between the alert tone and the first word: the tone ends, the listener turns to listen.
AFTER_TONE_MS = 700
# Loudness gain probes beyond the first (the horn profile's, or speech far from the usual level)
# run on a sample of a long render: 8 s segments spread over it, 90 s in all. On the seed
# directives that predicted the limiter's effect on the whole within 0.06 dB (60 s: 0.27); the
# delivered file is measured in full anyway (and re-encoded if it missed).
SAMPLE_SEGMENT_MS = 8_000
SAMPLE_MS = 90_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RenderSettings:
    engine: str = "espeak-ng"
    voice: str | None = "vi"
    rate_wpm: int = 130  # best measured of 110-145 wpm (docs/speech-tuning.md)
    profile: Profile = "standard"
    target_lufs: float = -16.0
    true_peak_dbtp: float = -1.5
    format: Format = "mp3"
    sentence_gap_ms: int | None = None  # None: each sentence's own pause
    lead_in_ms: int = DEFAULT_LEAD_IN_MS  # silence at the very start of the file
    alert_tone: bool = False  # emergencies: the alert tone after the lead-in, before the words

    def __post_init__(self) -> None:
        if self.engine not in ENGINE_NAMES:
            raise ValueError(f"Không có bộ đọc {self.engine!r}; chọn một trong: {', '.join(ENGINE_NAMES)}")
        if not MIN_RATE_WPM <= self.rate_wpm <= MAX_RATE_WPM:
            raise ValueError(f"Tốc độ đọc {self.rate_wpm} từ/phút ngoài khoảng {MIN_RATE_WPM}-{MAX_RATE_WPM}")
        if self.profile not in PROFILES:
            raise ValueError(f"Cấu hình âm thanh không hợp lệ: {self.profile!r}")
        if self.format not in FORMATS:
            raise ValueError(f"Định dạng không hỗ trợ: {self.format!r}; chọn một trong {', '.join(FORMATS)}")
        if self.sentence_gap_ms is not None and not 0 <= self.sentence_gap_ms <= MAX_GAP_MS:
            raise ValueError(f"Khoảng lặng giữa câu ngoài khoảng 0-{MAX_GAP_MS} ms: {self.sentence_gap_ms}")
        if not 0 <= self.lead_in_ms <= MAX_LEAD_IN_MS:
            raise ValueError(f"Khoảng lặng mở đầu ngoài khoảng 0-{MAX_LEAD_IN_MS} ms: {self.lead_in_ms}")
        check_targets(self.target_lufs, self.true_peak_dbtp, self.profile)

    @property
    def encode_spec(self) -> EncodeSpec:
        return EncodeSpec(format=self.format)


@dataclass(frozen=True)
class RenderResult:
    sha256: str
    path: Path
    ext: str
    duration_ms: int
    engine_used: str
    voice: str | None
    cache_hit: bool
    spoken_text: str
    loudness: Loudness

    @property
    def url(self) -> str:
        return media_url(self.sha256, self.ext)


def render_text(
    text: str,
    *,
    settings: RenderSettings = RenderSettings(),
    store: MediaStore,
    lexicon: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> RenderResult:
    """Normalize `text` to its spoken form, then render it (see render)."""
    from tts.normalizer import normalize as normalize_text

    return render(normalize_text(text, lexicon=lexicon), settings=settings, store=store, progress=progress)


def render(
    spoken: "SpokenText",
    *,
    settings: RenderSettings = RenderSettings(),
    store: MediaStore,
    progress: Progress | None = None,
) -> RenderResult:
    """Speak `spoken` and store the loudness-normalized result; a cached render is returned as is.

    progress(done, total) counts sentences synthesized, plus one final step for
    loudness, encoding and storing.
    """
    phrases = _phrases(spoken, settings.sentence_gap_ms)
    total = len(phrases) + 1
    engine = get_engine(settings.engine)
    key = cache_key(phrases, settings, engine.voice_id(settings.voice))
    cached = _load_cache(store, key)
    if cached is not None:
        if progress:
            progress(total, total)
        return cached

    work = Path(tempfile.mkdtemp(prefix="render-", dir=store.tmp_dir()))
    try:
        engine_used, voice, pieces = _synthesize_with_fallback(engine, phrases, settings, work, progress)
        pieces = _framing(pieces, settings, work) + pieces
        out = work / f"render.{settings.format}"
        durations = [wav_duration_ms(piece.path) for piece in pieces]
        sample = _loudness_sample(pieces, durations)
        loudness = normalize(
            write_concat_list(pieces, work / "pieces.txt"),
            out,
            target_lufs=settings.target_lufs,
            true_peak_dbtp=settings.true_peak_dbtp,
            profile=settings.profile,
            output=settings.encode_spec,
            sample=write_concat_list(sample, work / "sample.txt") if sample else None,
        )
        duration_ms = sum(durations) + sum(piece.pause_after_ms for piece in pieces)
        stored = store.put(out, settings.format)
    finally:
        shutil.rmtree(work, onerror=_log_cleanup_error)
    result = RenderResult(
        sha256=stored.sha256,
        path=stored.path,
        ext=stored.ext,
        duration_ms=duration_ms,
        engine_used=engine_used,
        voice=voice,
        cache_hit=False,
        spoken_text=spoken.text,
        loudness=loudness,
    )
    if engine_used == settings.engine:  # a fallback render is not cached: next time, try the chosen engine again
        _save_cache(store, key, result)
    if progress:
        progress(total, total)
    return result


def _loudness_sample(pieces: Sequence[Piece], durations: Sequence[int]) -> list[Piece] | None:
    """Short segments spread evenly over a long render, SAMPLE_MS in all, or None if it is short."""
    total = sum(durations)
    if total < 2 * SAMPLE_MS:
        return None
    count = SAMPLE_MS // SAMPLE_SEGMENT_MS
    step = total / count
    starts = [sum(durations[:i]) for i in range(len(durations))]
    sample = []
    for k in range(count):
        at = round(step * k + (step - SAMPLE_SEGMENT_MS) / 2)  # centre of the k-th stretch
        i = max(j for j, start in enumerate(starts) if start <= at)
        offset = at - starts[i]
        sample.append(Piece(pieces[i].path, start_ms=offset, end_ms=min(offset + SAMPLE_SEGMENT_MS, durations[i])))
    return sample


def _phrases(spoken: "SpokenText", gap_ms: int | None) -> list[Phrase]:
    phrases = [
        Phrase(s.text.strip(), s.pause_ms if gap_ms is None else gap_ms) for s in spoken.sentences if s.text.strip()
    ]
    if not phrases:
        raise ValueError("Không có câu nào để đọc")
    for phrase in phrases:
        if not 0 <= phrase.pause_ms <= MAX_PAUSE_MS:
            raise ValueError(f"Khoảng lặng sau câu ngoài khoảng 0-{MAX_PAUSE_MS} ms: {phrase.pause_ms}")
    return phrases


def cache_key(phrases: Sequence[Phrase], settings: RenderSettings, voice_id: str) -> str:
    payload = {
        "pipeline": PIPELINE_VERSION,
        "phrases": [[p.text, p.pause_ms] for p in phrases],
        "settings": asdict(settings),
        "voice_id": voice_id,
        "encode": asdict(settings.encode_spec),
    }
    blob = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _cache_path(store: MediaStore, key: str) -> Path:
    return store.root / "cache" / f"{key}.json"


def _load_cache(store: MediaStore, key: str) -> RenderResult | None:
    path = _cache_path(store, key)
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, json.JSONDecodeError) as exc:
        log.warning("render cache entry %s unreadable, rendering again: %s", path.name, exc)
        return None
    audio = store.path_for(entry["sha256"], entry["ext"])
    if not audio.is_file():
        log.warning("render cache entry %s points to missing %s, rendering again", path.name, audio.name)
        return None
    return RenderResult(
        sha256=entry["sha256"],
        path=audio,
        ext=entry["ext"],
        duration_ms=entry["duration_ms"],
        engine_used=entry["engine_used"],
        voice=entry["voice"],
        cache_hit=True,
        spoken_text=entry["spoken_text"],
        loudness=Loudness(**entry["loudness"]),
    )


def _save_cache(store: MediaStore, key: str, result: RenderResult) -> None:
    entry: dict[str, Any] = asdict(result)
    entry.pop("path")
    entry.pop("cache_hit")
    entry["pipeline"] = PIPELINE_VERSION
    atomic_write_text(_cache_path(store, key), json.dumps(entry, ensure_ascii=False, sort_keys=True))


def _chunks(phrases: Sequence[Phrase], workers: int) -> list[list[Phrase]]:
    """Consecutive groups of sentences, balanced by characters, enough to keep `workers` busy."""
    total = sum(len(p.text) for p in phrases)
    if total <= CHUNK_CHARS:
        return [list(phrases)]
    count = min(len(phrases), max(workers, math.ceil(total / CHUNK_CHARS)))
    target = total / count
    chunks: list[list[Phrase]] = [[]]
    size = 0
    for phrase in phrases:
        if chunks[-1] and size >= target * len(chunks) and len(chunks) < count:
            chunks.append([])
        chunks[-1].append(phrase)
        size += len(phrase.text)
    return chunks


def _synthesize_with_fallback(
    engine: Engine, phrases: Sequence[Phrase], settings: RenderSettings, work: Path, progress: Progress | None
) -> tuple[str, str | None, list[Piece]]:
    """Synthesize with the chosen engine; if it cannot, with the offline fallback (espeak-ng)."""
    candidates: list[tuple[Engine, str | None]] = [(engine, settings.voice)]
    if engine.name != FALLBACK_ENGINE:
        candidates.append((get_engine(FALLBACK_ENGINE), ESPEAK_VOICE))
    failure: EngineUnavailable | EngineFailed | None = None
    for candidate, voice in candidates:
        try:  # no available() pre-check: it cannot see a model named by `voice`; engines raise themselves
            folder = work / candidate.name
            folder.mkdir()
            pieces = _synthesize(candidate, phrases, voice, settings.rate_wpm, folder, progress)
            return candidate.name, voice, pieces
        except (EngineUnavailable, EngineFailed) as exc:
            log.warning("engine %s could not render: %s", candidate.name, exc)
            failure = exc
    assert failure is not None
    raise failure


def _synthesize(
    engine: Engine,
    phrases: Sequence[Phrase],
    voice: str | None,
    rate_wpm: int,
    folder: Path,
    progress: Progress | None,
) -> list[Piece]:
    """One engine call per chunk, chunks in parallel (the engines are subprocesses or network calls)."""
    chunks = _chunks(phrases, os.cpu_count() or 1)
    total = len(phrases) + 1
    outputs = [folder / f"chunk-{i:04d}.wav" for i in range(len(chunks))]

    def run(i: int) -> int:
        chars = sum(len(p.text) for p in chunks[i])
        timeout_s = TIMEOUT_BASE_S + TIMEOUT_PER_CHAR_S * chars
        engine.synthesize_phrases(chunks[i], outputs[i], voice=voice, rate_wpm=rate_wpm, timeout_s=timeout_s)
        return len(chunks[i])

    done = 0
    if len(chunks) == 1:
        done = run(0)
        if progress:
            progress(done, total)
    else:
        pool = ThreadPoolExecutor(max_workers=min(len(chunks), os.cpu_count() or 1))
        try:
            pending: set[Future[int]] = {pool.submit(run, i) for i in range(len(chunks))}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in finished:
                    error = future.exception()
                    if error is not None:
                        raise error
                    done += future.result()
                    if progress:
                        progress(done, total)
        finally:
            # on failure or interruption: drop queued chunks, let running ones end (each has a timeout)
            pool.shutdown(wait=True, cancel_futures=True)
    # the pause after a chunk is its last sentence's; nothing after the very last one
    return [
        Piece(path, chunk[-1].pause_ms if i < len(chunks) - 1 else 0)
        for i, (path, chunk) in enumerate(zip(outputs, chunks, strict=True))
    ]


def _log_cleanup_error(function: Any, path: str, exc_info: Any) -> None:
    log.warning("could not remove render work file %s: %s", path, exc_info[1])


def _framing(pieces: Sequence[Piece], settings: RenderSettings, work: Path) -> list[Piece]:
    """What goes before the words: the lead-in silence, then (emergencies) the alert tone."""
    fmt = wav_format(pieces[0].path)
    framing: list[Piece] = []
    if settings.lead_in_ms:
        silence = work / "lead-in.wav"
        write_silence(silence, fmt, settings.lead_in_ms)
        framing.append(Piece(silence))
    if settings.alert_tone:
        tone = work / "alert-tone.wav"
        write_alert_tone(tone, fmt)
        framing.append(Piece(tone, AFTER_TONE_MS))
    return framing
