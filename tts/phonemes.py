"""IPA phonemes for a Piper/VITS voice, from the espeak-ng program (run, never linked: espeak-ng is GPL).

    phonemize("Xin chào bà con, đây là câu thử.", "vi", timeout_s=10)
    -> ["sˈi1n tʃˈaː2w bˈaː2 kˌɔ1n, ɗˈəɪ1 lˌaː2 kˈə1w tˈy4."]

Piper voices were trained on espeak-ng's IPA with the clause punctuation kept (", " "." "?" …) and every
character decomposed (NFD), one sentence per utterance; sherpa-onnx 2.x no longer phonemizes itself and
takes these codepoints (tts/engines/sherpa.py). `espeak-ng --ipa` prints one line per clause and drops the
punctuation, so each clause is given on its own line and its punctuation is put back after its line.
"""

import re
import unicodedata

from tts.engines.base import EngineFailed, run_engine

ENGINE = "sherpa-onnx"
# A clause ends at one of these, followed by a space or the end of the text.
_CLAUSE = re.compile(r"\s*([^,;:.!?]+?)\s*([,;:.!?]+|$)(?=\s|$)")
_SENTENCE_END = ".!?"
MAX_LINE_CHARS = 100_000


def clauses(text: str) -> list[tuple[str, str]]:
    """(words, punctuation) per clause; the punctuation is "" for a clause ending the text without any."""
    found = []
    for match in _CLAUSE.finditer(" ".join(text.split())):
        words, punct = match.group(1).strip(), match.group(2)[:1]
        if words and re.search(r"\w", words):
            found.append((words, punct))
    return found


def phonemize(text: str, voice: str, *, timeout_s: float, binary: str = "espeak-ng") -> list[str]:
    """Sentences of IPA (NFD), punctuation kept, as Piper's phonemizer gives them; EngineFailed if none."""
    parts = clauses(text)
    if not parts:
        raise EngineFailed(ENGINE, "không có chữ nào để đọc")
    # One clause a line, with its punctuation (it shapes the final tone); "-l": a line is a clause even
    # without punctuation, so the lines of output match the clauses of input.
    cmd = [binary, "-q", "--ipa", "-l", str(MAX_LINE_CHARS), "-v", voice, "--stdin"]
    result = run_engine(ENGINE, cmd, timeout_s=timeout_s,
                        input_bytes="\n".join(words + punct for words, punct in parts).encode("utf-8"))
    lines = [line.strip() for line in result.stdout.decode("utf-8", "replace").splitlines() if line.strip()]
    if not lines:
        raise EngineFailed(ENGINE, "espeak-ng không cho ra âm vị nào")
    if len(lines) != len(parts):  # espeak-ng split a clause its own way: keep the words, one pause at the end
        parts = [(" ".join(w for w, _ in parts), parts[-1][1] or ".")]
        lines = [" ".join(lines)]
    sentences: list[str] = []
    current = ""
    for ipa, (_, punct) in zip(lines, parts, strict=True):
        punct = punct or "."
        current += ipa + punct
        if punct in _SENTENCE_END:
            sentences.append(current)
            current = ""
        else:
            current += " "
    if current.strip():
        sentences.append(current.strip())
    return [unicodedata.normalize("NFD", s) for s in sentences]
