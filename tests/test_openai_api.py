"""Studio's own HTTP API for other tools (issue #28): the OpenAI API under ``/v1``, driven with the
official ``openai`` client, and AUTOMATIC1111's under ``/sdapi/v1``, driven with the ``webuiapi``
client from PyPI; with and without ``--auth`` (no key, a wrong key, a revoked key, another user's
key and files). The key store and the stop-sequence hold-back are tested without a server."""

from __future__ import annotations

import base64
import io
import threading

import numpy as np
import pytest
from PIL import Image

from tests.conftest import launched_studio


# ----- without a server -----------------------------------------------------------------------
def test_keys_are_stored_hashed_per_user_and_can_be_revoked(tmp_path):
    from studio.api_keys import ApiKeys

    store = ApiKeys(tmp_path)
    key, rec = store.create("alice", "Open WebUI")
    other, _ = store.create("bob", "")
    assert key.startswith("sk-studio-") and key not in store.path.read_text()  # only its hash is kept
    assert store.user_for(key) == "alice" and store.user_for(other) == "bob"
    assert store.user_for(key + "x") is None and store.user_for("") is None
    assert [k["name"] for k in store.list("alice")] == ["Open WebUI"]
    assert [k["name"] for k in store.list("bob")] == ["API key"]
    assert not store.revoke("bob", rec["id"])  # another user's key stays
    assert store.user_for(key) == "alice"
    assert store.revoke("alice", rec["id"]) and store.user_for(key) is None and store.list("alice") == []


def test_the_keys_panel_shows_a_new_key_once(tmp_path):
    from studio.api_keys import ApiKeys
    from studio.ui.library import keys

    store = ApiKeys(tmp_path)
    made = keys.create(store, "alice", "laptop")
    key = made["new_key"]["value"]
    assert store.user_for(key) == "alice" and made["table"][0][0] == "laptop" and key not in str(made["table"])
    assert keys.listed(store, "bob")["table"] == []
    key_id = made["choice"]["choices"][0][1]
    assert "revoked" in keys.revoke(store, "alice", key_id)["status"] and store.user_for(key) is None


class _Pieces:
    """A text backend that streams fixed pieces (for the stop-sequence hold-back)."""

    name, engine, context_size = "fake", "fake", 1000

    def __init__(self, pieces):
        self.pieces = pieces

    def count_tokens(self, text):
        return len(text.split())

    def stream(self, prompt, params, stop, stats=None):
        for i, p in enumerate(self.pieces):
            if stop.is_set():
                return
            if stats is not None:
                stats.tokens = i + 1
            yield p


def test_a_stop_sequence_is_never_streamed_even_split_over_pieces():
    from studio.text.backends import SamplingParams
    from studio.text.chat import ChatRun, run_text

    run = ChatRun(SamplingParams(max_new_tokens=50), stops=("END",))
    out = list(run_text(_Pieces(["Hello ", "wor", "ld E", "N", "D and more"]), "p", run, threading.Event()))
    assert "".join(out) == "Hello world " and not any("E" in p for p in out)
    assert run.finish_reason == "stop"
    run = ChatRun(SamplingParams(max_new_tokens=3))
    assert "".join(run_text(_Pieces(["a", "b", "c"]), "p", run, threading.Event())) == "abc"
    assert run.finish_reason == "length" and run.completion_tokens == 3


# ----- the OpenAI API, no login ----------------------------------------------------------------
@pytest.fixture(scope="module")
def open_studio(tmp_path_factory):
    with launched_studio(tmp_path_factory.mktemp("api")) as server:
        yield server


@pytest.fixture(scope="module")
def oai(open_studio):
    import openai

    url, _ctx = open_studio
    return openai.OpenAI(base_url=url + "v1", api_key="not-needed", max_retries=0, timeout=300)


def _png(b64: str) -> Image.Image:
    im = Image.open(io.BytesIO(base64.b64decode(b64)))
    im.load()
    return im


@pytest.mark.slow
def test_models_list_text_and_picture_models(oai, open_studio):
    _url, ctx = open_studio
    ids = [m.id for m in oai.models.list()]
    assert ctx.settings.text_model in ids and "dcgan-faces" in ids and "opencv" in ids


@pytest.mark.slow
def test_chat_streamed_and_not_give_the_same_text_for_the_same_seed(oai, open_studio):
    _url, ctx = open_studio
    ask = dict(model=ctx.settings.text_model, messages=[{"role": "user", "content": "Name a fruit."}],
               max_tokens=12, seed=11, temperature=0.8)
    whole = oai.chat.completions.create(**ask)
    assert whole.choices[0].message.role == "assistant" and whole.usage.completion_tokens > 0
    chunks = list(oai.chat.completions.create(stream=True, stream_options={"include_usage": True}, **ask))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert streamed == whole.choices[0].message.content
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] in ("stop", "length")
    assert chunks[-1].usage.completion_tokens == whole.usage.completion_tokens


@pytest.mark.slow
def test_max_tokens_and_stop_end_the_reply(oai, open_studio):
    _url, ctx = open_studio
    r = oai.chat.completions.create(model=ctx.settings.text_model, messages=[{"role": "user", "content": "Count."}],
                                    max_tokens=3, temperature=0)
    assert r.choices[0].finish_reason == "length" and r.usage.completion_tokens == 3
    full = oai.completions.create(model=ctx.settings.text_model, prompt="One, two, three,", max_tokens=10,
                                  temperature=0)
    text = full.choices[0].text
    word = text.split()[1] if len(text.split()) > 1 else text.strip()[:2]
    cut = oai.completions.create(model=ctx.settings.text_model, prompt="One, two, three,", max_tokens=10,
                                 temperature=0, stop=[word])
    assert word not in cut.choices[0].text and text.startswith(cut.choices[0].text)


@pytest.mark.slow
def test_images_generate_the_same_faces_as_the_engine(oai, open_studio):
    _url, ctx = open_studio
    r = oai.images.generate(model="dcgan-faces", prompt="", n=2, size="64x64", response_format="b64_json",
                            extra_body={"seed": 42})
    assert len(r.data) == 2
    local = ctx.gan.generate(num_images=2, seed=42, size=64, save=False)
    for got, want in zip(r.data, local.images, strict=False):
        im = _png(got.b64_json)
        assert im.size == (64, 64) and "parameters" in im.info  # the A1111 text travels with the picture
        assert np.array_equal(np.asarray(im.convert("RGB")), np.asarray(want))


@pytest.mark.slow
def test_images_edit_with_a_mask_fills_only_the_transparent_part(oai, open_studio, tmp_path):
    from studio.testing import reference_scene

    picture = reference_scene(128)
    mask = Image.new("RGBA", (128, 128), (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (40, 40, 80, 80))  # OpenAI's rule: transparent = edit
    pic_path, mask_path = tmp_path / "p.png", tmp_path / "m.png"
    picture.save(pic_path)
    mask.save(mask_path)
    with open(pic_path, "rb") as img, open(mask_path, "rb") as msk:
        r = oai.images.edit(model="opencv", image=img, mask=msk, prompt="repair it", response_format="b64_json")
    out = np.asarray(_png(r.data[0].b64_json).convert("RGB"))
    before = np.asarray(picture)
    keep = np.ones((128, 128), bool)
    keep[40:80, 40:80] = False
    assert out.shape == before.shape and np.array_equal(out[keep], before[keep])
    assert not np.array_equal(out[~keep], before[~keep])


@pytest.mark.slow
def test_bad_requests_get_openai_errors_naming_the_field(oai, open_studio):
    import openai

    _url, ctx = open_studio
    with pytest.raises(openai.NotFoundError) as err:
        oai.images.generate(model="no-such-model", prompt="x")
    assert err.value.body["param"] == "model" and "dcgan-faces" in err.value.body["message"]
    with pytest.raises(openai.NotFoundError) as err:
        oai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["param"] == "model" and ctx.settings.text_model in err.value.body["message"]
    with pytest.raises(openai.BadRequestError) as err:
        oai.images.generate(model="dcgan-faces", prompt="", size="100x100")
    assert err.value.body["param"] == "size"
    with pytest.raises(openai.BadRequestError) as err:
        oai.images.generate(model="dcgan-faces", prompt="", response_format="url")
    assert err.value.body["param"] == "response_format"
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model=ctx.settings.text_model, messages=[{"role": "user", "content": "hi"}],
                                    temperature=5)
    assert err.value.body["param"] == "temperature"
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model=ctx.settings.text_model, messages=[])
    assert err.value.body["param"] == "messages"
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model=ctx.settings.text_model, messages=[{"role": "robot", "content": "hi"}])
    assert err.value.body["param"] == "messages[0].role"


# ----- AUTOMATIC1111's API -----------------------------------------------------------------------
@pytest.mark.slow
def test_a1111_client_makes_and_inpaints_pictures(open_studio):
    import webuiapi

    from studio.testing import reference_scene

    url, _ctx = open_studio
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    api = webuiapi.WebUIApi(host="127.0.0.1", port=port)
    assert "dcgan-faces" in [m["title"] for m in api.get_sd_models()]
    r = api.txt2img(prompt="", seed=5, batch_size=2, width=64, height=64,
                    override_settings={"sd_model_checkpoint": "dcgan-faces"})
    assert len(r.images) == 2 and r.info["all_seeds"] == [5, 6] and r.images[0].size == (64, 64)
    picture = reference_scene(96)
    mask = Image.new("L", (96, 96), 0)
    mask.paste(255, (30, 30, 60, 60))  # A1111's rule: white = fill
    r = api.img2img(images=[picture], mask_image=mask, prompt="", mask_blur=0, seed=1,
                    override_settings={"sd_model_checkpoint": "opencv"})
    out = np.asarray(r.image.convert("RGB"))
    keep = np.asarray(mask) == 0
    assert np.array_equal(out[keep], np.asarray(picture)[keep])
    with pytest.raises(RuntimeError) as err:
        api.txt2img(prompt="", width=100, height=100, override_settings={"sd_model_checkpoint": "dcgan-faces"})
    assert "width" in str(err.value) or "size" in str(err.value)


# ----- with --auth -----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def auth_studio(tmp_path_factory):
    with launched_studio(tmp_path_factory.mktemp("api-auth"), "--auth", "alice:pw-a", "--auth", "bob:pw-b") as server:
        yield server


def _login(url: str, user: str, password: str):
    import httpx

    client = httpx.Client(base_url=url, timeout=120)
    assert client.post("login", data={"username": user, "password": password}).status_code == 200
    return client


@pytest.mark.slow
def test_with_auth_every_call_needs_a_valid_key(auth_studio):
    import httpx
    import openai

    url, ctx = auth_studio
    for key in (None, "sk-studio-wrong"):
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        r = httpx.get(url + "v1/models", headers=headers)
        assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_api_key"
        r = httpx.post(url + "sdapi/v1/txt2img", json={"prompt": ""}, headers=headers)
        assert r.status_code == 401
    key, rec = ctx.api_keys.create("alice", "test")
    client = openai.OpenAI(base_url=url + "v1", api_key=key, max_retries=0, timeout=300)
    assert "dcgan-faces" in [m.id for m in client.models.list()]
    ctx.api_keys.revoke("alice", rec["id"])
    with pytest.raises(openai.AuthenticationError):
        client.models.list()


@pytest.mark.slow
def test_with_auth_a_keys_pictures_belong_to_its_user(auth_studio):
    import openai
    import webuiapi

    from studio.ui.owners import user_folder

    url, ctx = auth_studio
    alice_key, _ = ctx.api_keys.create("alice", "a")
    bob_key, _ = ctx.api_keys.create("bob", "b")
    made = openai.OpenAI(base_url=url + "v1", api_key=alice_key, max_retries=0, timeout=300).images.generate(
        model="dcgan-faces", prompt="", size="64x64", extra_body={"seed": 9})
    alice_dir, bob_dir = user_folder(ctx, "alice"), user_folder(ctx, "bob")
    files = sorted(alice_dir.glob("*.png"))
    assert len(files) == 1 and not bob_dir.exists()
    assert base64.b64decode(made.data[0].b64_json) == files[0].read_bytes()
    path = f"gradio_api/file={files[0]}"
    assert _login(url, "alice", "pw-a").get(path).status_code == 200
    assert _login(url, "bob", "pw-b").get(path).status_code == 404  # another user's file
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    a1111 = webuiapi.WebUIApi(host="127.0.0.1", port=port, username="bob", password=bob_key)
    r = a1111.txt2img(prompt="", seed=9, width=64, height=64, override_settings={"sd_model_checkpoint": "dcgan-faces"})
    assert len(r.images) == 1 and len(list(bob_dir.glob("*.png"))) == 1 and len(list(alice_dir.glob("*.png"))) == 1
    with pytest.raises(RuntimeError):
        webuiapi.WebUIApi(host="127.0.0.1", port=port, username="bob", password="sk-studio-wrong").txt2img(prompt="")


@pytest.mark.slow
def test_voices_are_models_and_a_missing_voice_is_named(oai, open_studio, monkeypatch):
    import openai

    _url, ctx = open_studio
    voice = {"id": "v1", "name": "My blog", "base_model": {"ref": ctx.settings.text_model}}
    monkeypatch.setattr(ctx.text.voices, "list", lambda owner: [voice] if owner == "local" else [])
    assert f"{ctx.settings.text_model}+voice:My blog" in [m.id for m in oai.models.list()]
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model=f"{ctx.settings.text_model}+voice:Nobody",
                                    messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["param"] == "voice" and "Nobody" in err.value.body["message"]


@pytest.mark.slow
def test_a_caller_hanging_up_mid_stream_frees_the_model(oai, open_studio):
    _url, ctx = open_studio
    ask = dict(model=ctx.settings.text_model, messages=[{"role": "user", "content": "Write a long story."}])
    stream = oai.chat.completions.create(max_tokens=2000, temperature=1.0, stream=True, **ask)
    next(iter(stream)), next(iter(stream))
    stream.close()  # the caller goes away: the model stops within a token
    r = oai.chat.completions.create(max_tokens=2, **ask)  # waits on the device lock if the first still ran
    assert r.usage.completion_tokens == 2


@pytest.mark.slow
def test_audio_speech_reads_aloud_with_a_studio_voice(oai, open_studio):
    """/v1/audio/speech (issue #28 with #29): the voice named as the model (an OpenAI voice name such as
    'alloy' is not Studio's, so the model's voice speaks); WAV and MP3; errors name the field."""
    import wave

    import openai

    pytest.importorskip("piper")
    _url, ctx = open_studio
    voices = ctx.speech.offered()
    assert voices and all(v in [m.id for m in oai.models.list()] for v in voices)
    wav = oai.audio.speech.create(model=voices[0], voice="alloy", input="Hello there, reader.",
                                  response_format="wav").content
    with wave.open(io.BytesIO(wav)) as w:
        assert w.getnframes() / w.getframerate() > 0.5
    mp3 = oai.audio.speech.create(model="tts-1", voice=voices[0], input="Hello.", response_format="mp3").content
    assert mp3[:3] == b"ID3" or mp3[:2] == b"\xff\xfb"
    with pytest.raises(openai.BadRequestError, match="response_format"):
        oai.audio.speech.create(model=voices[0], voice="alloy", input="Hello.", response_format="opus")
    with pytest.raises(openai.NotFoundError, match="voice"):
        oai.audio.speech.create(model="tts-1", voice="alloy", input="Hello.")


@pytest.mark.slow
def test_images_without_a_prompt_are_faces_or_a_message_naming_prompt(open_studio):
    """No prompt (or null) is no crash: the face GAN needs none; the answer is never a 500."""
    import json
    import urllib.request

    url, _ctx = open_studio
    for body in ({"model": "dcgan-faces", "n": 1}, {"model": "dcgan-faces", "n": 1, "prompt": None}):
        req = urllib.request.Request(url + "v1/images/generations", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=300) as r:
            assert r.status == 200 and len(json.load(r)["data"]) == 1
