"""/speak and /export(format="mp3"|"mp4") through the API of a launched studio with two users: the files come
back, a bad format or empty text is refused naming the field, and one user cannot export another's article."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest
from gradio_client.exceptions import AppError

from .conftest import launched_studio, studio_client

pytestmark = pytest.mark.slow

USERS = {"ann": "secret-1", "bob": "secret-2"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_lm_dir):
    pytest.importorskip("piper")
    with launched_studio(tmp_path_factory.mktemp("speech-api"), "--auth", "ann:secret-1", "--auth", "bob:secret-2",
                         "--text-model", str(tiny_lm_dir)) as server:
        yield server


def test_speak_and_export_audio(server):
    url, ctx = server
    ann, bob = (studio_client(url, auth=(u, USERS[u])) for u in ("ann", "bob"))
    wav = Path(ann.predict("## Hello\n\nIt costs $5.", "", 1.0, "wav", api_name="/speak"))
    with wave.open(str(wav)) as w:
        assert w.getnframes() / w.getframerate() > 1.0
    mp3 = Path(ann.predict(text="Hello there.", format="mp3", api_name="/speak"))
    assert mp3.suffix == ".mp3" and mp3.stat().st_size > 1000
    from studio.provenance.read import read_credentials

    for made in (wav, mp3):  # Content Credentials on what /speak makes too (issue #30)
        found = read_credentials(made, trust_pem=(ctx.settings.data_dir / "c2pa" / "ca.pem").read_bytes())
        assert found.state == "Trusted" and found.actions == ["c2pa.created"] and "Piper" in found.agent
    with pytest.raises(Exception, match="format"):
        ann.predict(text="Hello.", format="ogg", api_name="/speak")
    with pytest.raises(Exception, match="text"):
        ann.predict(text="  ", api_name="/speak")
    aid = ctx.library.save("ann", None, "Herbs", "# Herbs\n\n## Basil\n\nBasil likes sun.")["article_id"]
    assert Path(ann.predict(article_id=aid, format="mp3", api_name="/export")).suffix == ".mp3"
    with pytest.raises(AppError):
        bob.predict(article_id=aid, format="mp3", api_name="/export")


@pytest.mark.parametrize("text, field", [
    ("x" * 1_048_576, "text"), ("😀🎉" * 50, "text"), ("\x00\x1b\x07", "text"), ("你好，世界。这是一个测试。", "voice"),
])
def test_speak_refuses_hostile_text_naming_the_field(server, text, field):
    url, _ctx = server
    ann = studio_client(url, auth=("ann", USERS["ann"]))
    with pytest.raises(Exception, match=field):
        ann.predict(text=text, api_name="/speak")
    assert Path(ann.predict(text="Still well.", api_name="/speak")).exists(), "the server stays healthy"
