"""`loaxa tts ...`: see what the machine will say, and say it into a file."""

import sys
from pathlib import Path
from typing import Annotated

import typer

from core.config import get_settings
from core.formatting import duration_words
from media.encode import Format

app = typer.Typer(no_args_is_help=True, help="Chuẩn hóa văn bản và tổng hợp tiếng nói.")

FORMATS: dict[str, Format] = {".mp3": "mp3", ".wav": "wav", ".ogg": "ogg"}


def _read(text: str | None) -> str:
    return sys.stdin.read() if text in (None, "-") else text


@app.command("normalize")
def normalize_cmd(text: Annotated[str | None, typer.Argument(help="Văn bản (mặc định: đọc từ stdin)")] = None) -> None:
    """In ra cách máy sẽ đọc văn bản (dạng nói), mỗi câu một dòng."""
    from tts.config import normalize_options
    from tts.normalizer import NormalizeError, normalize

    try:
        spoken = normalize(_read(text), options=normalize_options(get_settings()))
    except NormalizeError as exc:
        typer.secho(f"Lỗi: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc
    for sentence in spoken.sentences:
        typer.echo(sentence.text)


@app.command("speak")
def speak_cmd(output: Annotated[Path, typer.Option("-o", "--output", help="Tệp ra: .mp3, .wav hoặc .ogg")],
              text: Annotated[str | None, typer.Argument(help="Văn bản, hoặc - để đọc từ stdin")] = None,
              engine: Annotated[str | None, typer.Option(help="espeak-ng | gtts | piper | sherpa-onnx")] = None,
              voice: Annotated[str | None, typer.Option(
                  help="Giọng (espeak-ng: vi; piper: đường dẫn .onnx; hoặc tên giọng đã thêm bằng voices add)")] = None,
              ) -> None:
    """Đọc văn bản thành tệp âm thanh (chuẩn hóa, tổng hợp, chuẩn âm lượng)."""
    import shutil

    from media.store import MediaStore
    from tts.config import normalize_options, render_settings
    from tts.normalizer import NormalizeError, normalize
    from tts.pipeline import render

    fmt = FORMATS.get(output.suffix.lower())
    if fmt is None:
        typer.secho("Lỗi: tệp ra phải có đuôi .mp3, .wav hoặc .ogg.", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2)
    settings = get_settings()
    settings.ensure_dirs()
    try:
        spoken = normalize(_read(text), options=normalize_options(settings))
    except NormalizeError as exc:
        typer.secho(f"Lỗi: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc
    with typer.progressbar(length=len(spoken.sentences), label="Đang đọc", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.update(done - bar.pos)

        result = render(spoken, settings=render_settings(settings, engine=engine, voice=voice, fmt=fmt),
                        store=MediaStore(settings.media_dir), progress=progress)
    tmp = output.with_name(f".{output.name}.tmp")
    shutil.copyfile(result.path, tmp)
    tmp.replace(output)
    typer.echo(f"{output}: {duration_words(result.duration_ms)}, giọng {result.engine_used}"
               f"{' (có sẵn trong bộ nhớ đệm)' if result.cache_hit else ''}.", err=True)


@app.command("engines")
def engines_cmd() -> None:
    """Các bộ đọc và tình trạng cài đặt."""
    from tts.engines import list_engines

    for engine in list_engines():
        mark = "có" if engine.available else "không"
        typer.echo(f"{engine.name:<10} {mark:<6} {engine.reason}")


voices_app = typer.Typer(no_args_is_help=True, help="Giọng đọc do địa phương tự bổ sung (mô hình Piper/VITS .onnx).")
app.add_typer(voices_app, name="voices")


@voices_app.command("add")
def voices_add_cmd(model: Annotated[Path, typer.Argument(help="Tệp mô hình .onnx")],
                   config: Annotated[Path | None, typer.Option(help="Tệp cấu hình (mặc định: MODEL.onnx.json)")] = None,
                   name: Annotated[str | None, typer.Option(help="Tên giọng để chọn (mặc định: tên tệp)")] = None,
                   licence: Annotated[Path | None, typer.Option(help="Tệp văn bản giấy phép của mô hình")] = None,
                   engine: Annotated[str | None, typer.Option(
                       help="sherpa-onnx (trong tiến trình, mặc định nếu đã cài) | piper (chương trình riêng)")] = None,
                   ) -> None:
    """Cài một giọng: chuẩn bị mô hình, đọc thử một câu, ghi lại; sau đó chọn được bằng tên (LOAXA_TTS_VOICE,
    giọng của địa bàn hoặc của tin)."""
    from tts.config import voices_dir
    from tts.voices import VoiceError, add_voice

    settings = get_settings()
    settings.ensure_dirs()
    try:
        text = licence.read_text(encoding="utf-8") if licence else None
        voice = add_voice(voices_dir(settings), model, config=config, name=name, licence=text, engine=engine)
    except (VoiceError, OSError, UnicodeDecodeError) as exc:
        typer.secho(f"Lỗi: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"Đã thêm giọng «{voice.name}» ({voice.engine}); câu thử dài {duration_words(voice.test_ms)}. "
               f"Chọn bằng LOAXA_TTS_VOICE={voice.name} hoặc --voice {voice.name}.")


@voices_app.command("list")
def voices_list_cmd() -> None:
    """Các giọng đã cài."""
    from tts.config import voices_dir
    from tts.voices import list_voices

    voices = list_voices(voices_dir(get_settings()))
    if not voices:
        typer.echo("Chưa cài giọng nào (loaxa tts voices add MODEL.onnx).")
    for voice in voices:
        licence = "có giấy phép" if voice.licence else "không ghi giấy phép"
        typer.echo(f"{voice.name:<24} {voice.engine:<11} {voice.added_at[:10]}  {licence}  {voice.model}")
