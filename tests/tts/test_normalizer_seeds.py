"""Every paragraph of the five seed directives reads in full words, the same way every time.

The seeds ship with the package (campaigns/seed_texts).
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from campaigns.seeds import SEED_DIR
from tts.lexicon import DEFAULT_LEXICON
from tts.normalizer import MAX_INPUT_CHARS, normalize

REPO = Path(__file__).resolve().parents[2]
SEED_FILES = {
    "khanhhoa": "khanhhoa-2023-cong-van-tuyen-truyen-dhtt.txt",
    "laocai": "laocai-2021-ke-hoach-tuyen-truyen-thi-dua-2021-2025.txt",
    "sapa": "sapa-2021-cong-van-lao-dong-gioi-sang-tao.txt",
    "sontay": "sontay-2017-ke-hoach-tuyen-truyen-dhtt-ntvt.txt",
    "tp-laocai": "tp-laocai-2023-cong-van-lao-dong-gioi-sang-tao.txt",
}


def seed(name: str) -> str:
    return (SEED_DIR / SEED_FILES[name]).read_text(encoding="utf-8")


def paragraphs() -> list[tuple[str, int, str]]:
    found = []
    for name in SEED_FILES:
        for i, paragraph in enumerate(re.split(r"\n\s*\n", seed(name))):
            if any(ch.isalnum() for ch in paragraph):
                found.append((name, i, paragraph))
    return found


PARAGRAPHS = paragraphs()
# Any lexicon key still standing as a word in the output would be read raw by the voice.
KEY_RES = {key: re.compile(rf"(?<![\w]){re.escape(key)}(?![\w])") for key in DEFAULT_LEXICON}
CAPS_CODE_RE = re.compile(r"(?<![\w])[A-ZĐ]{2,}(?![\w])")


@pytest.mark.parametrize(("name", "index", "paragraph"), PARAGRAPHS, ids=[f"{n}-{i}" for n, i, _ in PARAGRAPHS])
def test_every_seed_paragraph_reads_in_words(name: str, index: int, paragraph: str) -> None:
    spoken = normalize(paragraph)
    text = spoken.text
    assert spoken.sentences
    assert not any(ch.isdigit() for ch in text), text
    left = [key for key, key_re in KEY_RES.items() if key_re.search(text)]
    assert left == [], f"abbreviations left: {left} in {text!r}"
    assert CAPS_CODE_RE.search(text) is None, text
    assert "ngày ngày" not in text.casefold()
    assert all(s.text and s.pause_ms > 0 for s in spoken.sentences)
    assert normalize(paragraph) == spoken  # deterministic


def test_there_are_many_seed_paragraphs() -> None:
    assert len(PARAGRAPHS) >= 140


@pytest.mark.parametrize(
    ("name", "phrase"),
    [
        ("laocai", "Chỉ thị số tám, Tỉnh ủy, ngày ba tháng ba năm hai nghìn không trăm hai mươi mốt"),
        (
            "laocai",
            "lần thứ mười sáu, nhiệm kỳ hai nghìn không trăm hai mươi mốt đến hai nghìn không trăm hai mươi lăm",
        ),
        ("laocai", "Một. Mục đích, yêu cầu. Một. Mục đích"),
        ("laocai", "Trưởng cụm thi đua bảy tỉnh miền núi phía Bắc"),
        ("laocai", "Thay mặt Ủy ban nhân dân. Ký thay chủ tịch. Phó chủ tịch"),
        ("tp-laocai", "Công văn số một nghìn bảy trăm hai mươi mốt, Thành ủy"),
        ("tp-laocai", "Thường trực Thành ủy"),
        ("khanhhoa", "bê tê đê ca tê a còng khánh hòa chấm gốp chấm vê en"),
        ("khanhhoa", "Số, Sở Nội vụ, Thi đua Khen thưởng"),
        ("khanhhoa", "từ một đến hai gương người tốt, việc tốt"),
        ("sontay", "hoàn thành trước ngày hai mươi tám tháng tư năm hai nghìn không trăm mười bảy"),
        (
            "sontay",
            "ngày mười một tháng sáu năm một nghìn chín trăm bốn mươi tám đến ngày mười một tháng sáu năm hai nghìn"
            " không trăm mười bảy",
        ),
        ("sontay", "Một chấm một. Đối tượng"),
        ("sapa", "Kế hoạch số hai trăm linh năm, Ủy ban nhân dân, Liên đoàn Lao động, ngày hai mươi tám tháng tư"),
        ("sapa", "Lãnh đạo Văn phòng, chuyên viên Hùng"),
    ],
)
def test_whole_seed_documents(name: str, phrase: str) -> None:
    assert phrase in normalize(seed(name)).text


def test_hundred_thousand_characters_of_directives_in_seconds() -> None:
    text = "\n\n".join(seed(name) for name in SEED_FILES)
    text = (text * (MAX_INPUT_CHARS // len(text) + 1))[:MAX_INPUT_CHARS]
    start = time.perf_counter()
    spoken = normalize(text)
    assert time.perf_counter() - start < 10
    assert len(spoken.sentences) > 900


_DIGEST_SCRIPT = """
import hashlib, json, sys
from tts.normalizer import normalize
texts = json.loads(sys.stdin.read())
digest = hashlib.sha256()
for text in texts:
    for s in normalize(text).sentences:
        digest.update(f"{s.text}|{s.pause_ms}\\n".encode())
print(digest.hexdigest())
"""


def test_same_output_in_fresh_processes_with_different_hash_seeds() -> None:
    texts = [seed(name) for name in SEED_FILES]
    digests = set()
    for hash_seed in ("1", "2"):
        result = subprocess.run(
            [sys.executable, "-c", _DIGEST_SCRIPT],
            input=json.dumps(texts),
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            cwd=REPO,
            check=True,
        )
        digests.add(result.stdout.strip())
    local = hashlib.sha256()
    for text in texts:
        for s in normalize(text).sentences:
            local.update(f"{s.text}|{s.pause_ms}\n".encode())
    assert digests == {local.hexdigest()}
