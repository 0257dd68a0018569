"""Voices through the API of a launched studio with two users (#13): /voice_train on a Library article,
/voice_list per user, /write with voice= (differs from no voice with the same seed), /voice_rename,
/voice_delete. Uses the tiny random LM as the studio's text model."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

from .conftest import free_port, studio_client
from .test_voice import writer_text

pytestmark = pytest.mark.slow

USERS = {"ann": "secret-1", "bob": "secret-2"}


@pytest.fixture(scope="module")
def server(tmp_path_factory, tiny_lm_dir):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("voice-api")
    ctx, demo = studio_app.create_app([
        "--no-browser", "--port", str(free_port()), "--auth", "ann:secret-1", "--auth", "bob:secret-2",
        "--data-dir", str(tmp / "data"), "--output-dir", str(tmp / "out"), "--device", "cpu", "--offline",
        "--text-model", str(tiny_lm_dir)])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{ctx.settings.port}", ctx
    finally:
        demo.close()


def client(server, user):
    return studio_client(server[0], auth=(user, USERS[user]))


def test_voice_api_end_to_end(server):
    url, ctx = server
    ann, bob = client(server, "ann"), client(server, "bob")
    art = ctx.library.save("ann", None, "My garden", writer_text(400, 3))
    rec = ann.predict("Ann's blog", str(art["article_id"]), writer_text(200, 5), 25, 4, 5e-3,
                      api_name="/voice_train")
    assert rec["name"] == "Ann's blog" and rec["perplexity_after"] < rec["perplexity_before"]
    assert rec["sources"][0] == {"kind": "article", "id": art["article_id"], "title": "My garden"}
    assert [v["id"] for v in ann.predict(api_name="/voice_list")] == [rec["id"]]
    assert bob.predict(api_name="/voice_list") == [], "a voice of one user is invisible to another"
    with pytest.raises(Exception, match="no voice"):
        bob.predict("A day out", "headlines", "neutral", 50, 0.7, 0.9, 16, 5, rec["id"], api_name="/write")
    with pytest.raises(Exception, match="no voice|not found|article"):  # bob cannot train on ann's article
        bob.predict("Stolen", str(art["article_id"]), "", 2, 2, 1e-3, api_name="/voice_train")

    args = ("A day in the garden", "headlines", "neutral", 50, 0.7, 0.9, 24, 11)
    plain = ann.predict(*args, "", api_name="/write")
    voiced = ann.predict(*args, rec["id"], api_name="/write")
    assert voiced and voiced != plain, "the voice changes the text for the same seed"
    full = ann.predict(*args, "Ann's blog", api_name="/write_full")
    assert full["text"] == voiced, "a voice is found by its name too"

    assert ann.predict(rec["id"], "Garden notes", api_name="/voice_rename")["name"] == "Garden notes"
    with pytest.raises(AppError):
        bob.predict(rec["id"], api_name="/voice_delete")
    ann.predict("Garden notes", api_name="/voice_delete")
    assert ann.predict(api_name="/voice_list") == []


def test_illustrate_proposes_prompts_in_the_write_tabs_voice(tmp_path, tiny_lm_dir):
    """The Library's Illustrate asks the language model with the voice chosen in the Write tab."""
    from types import SimpleNamespace

    import app as studio_app
    from studio.voice.train import VoiceSettings, VoiceTrainer

    from .test_voice import writer_text

    ctx, demo = studio_app.create_app([
        "--no-browser", "--data-dir", str(tmp_path / "data"), "--output-dir", str(tmp_path / "out"), "--offline",
        "--device", "cpu", "--text-model", str(tiny_lm_dir)])
    rec = VoiceTrainer(ctx.manager, ctx.text.voices).train(
        "local", "Mine", [writer_text(300, 1)], [], ctx.settings.text_model, VoiceSettings(steps=3, rank=2))
    fns = {getattr(f.fn, "__name__", ""): f.fn for f in demo.fns.values()}
    req = SimpleNamespace(username=None, session_hash="s1")
    article = "## Herbs\n\nBasil on the sill.\n\n## Tomatoes\n\nRed and ripe."
    rows, _ = fns["propose"]("dcgan-faces", 3, "Garden", article, req, rec["id"])
    assert len(rows) == 2
    with pytest.raises(Exception, match="no voice"):
        fns["propose"]("dcgan-faces", 3, "Garden", article, req, "not-a-voice")
