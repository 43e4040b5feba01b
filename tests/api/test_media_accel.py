"""LOAXA_MEDIA_ACCEL_PREFIX without nginx: what loaxa itself answers (tests/api/test_nginx.py runs the
same behind a real nginx). Off by default; set, an allowed audio GET is an empty 200 naming the file."""

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from core.config import Settings
from media.store import MediaStore
from tests.playlists.helpers import make_mp3


def test_off_by_default_loaxa_sends_the_bytes(client, settings) -> None:
    assert Settings().media_accel_prefix is None
    audio = make_mp3(MediaStore(settings.media_dir), 1)
    answer = client.get(f"/media/{audio.sha256}.mp3")
    assert answer.status_code == 200 and len(answer.content) > 1000 and "x-accel-redirect" not in answer.headers


def test_set_an_empty_answer_names_the_file_under_the_internal_location(settings, engine) -> None:
    from api.app import create_app

    accel = settings.model_copy(update={"media_accel_prefix": "/_loaxa_media"})
    audio = make_mp3(MediaStore(accel.media_dir), 1)
    with TestClient(create_app(accel, engine=engine, migrate=False, start_scheduler=False)) as client:
        url = f"/media/{audio.sha256}.mp3"
        answer = client.get(url)
        assert answer.status_code == 200 and answer.content == b""
        assert answer.headers["x-accel-redirect"] == f"/_loaxa_media/{audio.sha256[:2]}/{audio.sha256}.mp3"
        assert answer.headers["etag"] == f'"{audio.sha256}"' and answer.headers["content-type"] == "audio/mpeg"
        # 304 and 404 stay loaxa's own answers: nothing for nginx to send.
        again = client.get(url, headers={"If-None-Match": f'"{audio.sha256}"'})
        assert again.status_code == 304 and "x-accel-redirect" not in again.headers
        missing = client.get(f"/media/{'0' * 64}.mp3")
        assert missing.status_code == 404 and "x-accel-redirect" not in missing.headers


@pytest.mark.parametrize("value, expected", [("/_loaxa_media/", "/_loaxa_media"), ("", None),
                                             ("/a/b", "/a/b")])
def test_the_prefix_is_a_plain_path(value, expected) -> None:
    assert Settings(media_accel_prefix=value).media_accel_prefix == expected


@pytest.mark.parametrize("value", ["_loaxa_media", "/x y", "http://cdn/x", "/a//b", "/a?b"])
def test_anything_else_is_refused_at_start(value) -> None:
    with pytest.raises(ValidationError, match="LOAXA_MEDIA_ACCEL_PREFIX"):
        Settings(media_accel_prefix=value)
