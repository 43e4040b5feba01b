"""Content-addressed store: whole files only, named by their hash, idempotent."""

import hashlib
import os

import pytest

from media.store import MediaStore, atomic_output, atomic_write_bytes, atomic_write_text, media_url


@pytest.fixture
def store(tmp_path):
    return MediaStore(tmp_path / "media")


def test_put_moves_the_file_under_its_hash(store):
    tmp = store.tmp_dir() / "render.mp3"
    tmp.write_bytes(b"ID3 fake audio")
    sha = hashlib.sha256(b"ID3 fake audio").hexdigest()
    stored = store.put(tmp, ".mp3")
    assert stored.sha256 == sha
    assert stored.path == store.root / sha[:2] / f"{sha}.mp3"
    assert stored.path.read_bytes() == b"ID3 fake audio"
    assert (stored.size_bytes, stored.ext, stored.url) == (14, "mp3", f"/media/{sha}.mp3")
    assert not tmp.exists()
    assert store.find(sha) == stored.path
    assert store.path_for(sha, "mp3") == stored.path
    with store.open(sha, "mp3") as f:
        assert f.read() == b"ID3 fake audio"


def test_put_is_idempotent(store):
    first = store.tmp_dir() / "a"
    second = store.tmp_dir() / "b"
    first.write_bytes(b"same")
    second.write_bytes(b"same")
    a = store.put(first, "ogg")
    b = store.put(second, "ogg")
    assert a == b
    assert not second.exists()
    assert sorted(p.name for p in a.path.parent.iterdir()) == [a.path.name]


def test_put_from_another_folder(store, tmp_path):
    outside = tmp_path / "upload.wav"
    outside.write_bytes(b"RIFF....")
    stored = store.put(outside, "wav")
    assert stored.path.read_bytes() == b"RIFF...."
    assert not outside.exists()


def test_find_unknown_is_none(store):
    assert store.find("0" * 64) is None


@pytest.mark.parametrize("sha", ["../../etc/passwd", "ABC", "g" * 64])
def test_hashes_are_validated(store, sha):
    with pytest.raises(ValueError):
        store.path_for(sha, "mp3")


def test_extensions_are_validated(store):
    with pytest.raises(ValueError):
        store.path_for("0" * 64, "mp3/../../x")


def test_tmp_dir_is_on_the_store_filesystem(store):
    assert os.stat(store.tmp_dir()).st_dev == os.stat(store.root).st_dev


def test_atomic_writes(tmp_path):
    target = tmp_path / "sub" / "cache.json"
    atomic_write_text(target, '{"a": "ủy ban"}')
    assert target.read_text(encoding="utf-8") == '{"a": "ủy ban"}'
    atomic_write_bytes(target, b"2")
    assert target.read_bytes() == b"2"
    assert [p.name for p in target.parent.iterdir()] == ["cache.json"]


def test_failed_atomic_output_leaves_the_old_file(tmp_path):
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_output(target) as tmp:
        tmp.write_bytes(b"half of the new")
        raise RuntimeError("encoder died")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.bin"]


def test_media_url_convention():
    assert media_url("ab" * 32, "mp3") == f"/media/{'ab' * 32}.mp3"
