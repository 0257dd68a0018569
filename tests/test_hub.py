"""Models from the Hub (issue #27), against a stand-in for the Hub on loopback (tests/hub_standin.py)
that the real ``huggingface_hub`` client talks to: search, download with progress, Cancel, resume
after the studio is killed, a short disk, a damaged transfer, a gated repository, the Hub unreachable;
then the downloaded tiny GGUF writes."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import time

import pytest

from studio import hub, hub_download
from studio.errors import ModelUnavailable
from studio.settings import Settings, parse_settings

from .conftest import ROOT, free_port
from .hub_standin import HubStandIn

REPO = "org/Tiny-Instruct-GGUF"
FILE = "tiny-instruct-Q4_K_M.gguf"
REF = f"{REPO}:{FILE}"


@pytest.fixture(scope="module")
def gguf_bytes(tiny_gguf):
    return tiny_gguf.read_bytes()


@pytest.fixture
def stand_in(gguf_bytes, tmp_path, monkeypatch):
    from huggingface_hub import constants

    with HubStandIn() as server:
        server.add_repo(REPO, {FILE: gguf_bytes, "tiny-instruct-Q8_0.gguf": gguf_bytes[:5000], "README.md": b"# tiny"},
                        license="apache-2.0", languages=("en", "zh"))
        server.add_repo("org/Gated-GGUF", {FILE: gguf_bytes[:50_000]}, gated=True)
        monkeypatch.setenv("HF_ENDPOINT", server.url)
        monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
        monkeypatch.setenv("HF_HUB_OFFLINE", "0")
        monkeypatch.delenv("HF_TOKEN", raising=False)
        monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
        yield server


@pytest.fixture
def online(tmp_path) -> Settings:
    return Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out",
                    model_dirs=[tmp_path / "models"]).validate()


def _partials(repo=REPO):
    return list((hub.repo_folder(repo) / "blobs").glob("*.incomplete"))


def test_parse_ref_and_the_q4_k_m_pick():
    assert hub.parse_ref(REF) == (REPO, FILE)
    assert hub.parse_ref(REPO) == (REPO, None)
    assert hub.pick_gguf(["a-Q8_0.gguf", "a-Q4_K_M.gguf", "README.md"]) == "a-Q4_K_M.gguf"
    with pytest.raises(Exception, match="model"):
        hub.parse_ref("../etc:passwd")


def test_search_finds_the_gguf_repository_with_its_licence(stand_in, online):
    found = hub_download.search(online, "tiny", kind="text")
    assert [f["ref"] for f in found] == [REPO]
    assert found[0]["license"] == "apache-2.0"
    assert ("GET", "/api/models", None) in stand_in.requests


def test_download_reports_progress_and_the_model_is_installed(stand_in, online, gguf_bytes):
    stand_in.rate = 4_000_000  # bytes per second: about 4 s for the 14 MB file
    downloads = hub_download.Downloads(online)
    job = downloads.start(REPO)  # org/repo: its Q4_K_M file is picked
    seen = []
    while job.state == "running":
        seen.append((job.done, job.total, job.speed, job.seconds_left))
        time.sleep(0.2)
    assert job.state == "done", job.message
    assert any(0 < done < total for done, total, _s, _t in seen), "no progress was seen between start and end"
    assert any(speed > 0 and left is not None and left > 0 for _d, _t, speed, left in seen)
    path = hub.cached_file(REF)
    assert path is not None and job.path == str(path)
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(gguf_bytes).digest()
    [entry] = [e for e in hub.installed(online, "text") if e["ref"] == REF]
    assert (entry["size"], entry["license"], entry["tab"], entry["source"]) == (len(gguf_bytes), "apache-2.0",
                                                                                "Write", "hub")
    assert "zh" in entry["languages"]
    assert hub.cached_file(f"{REPO}:tiny-instruct-Q8_0.gguf") is None  # only the picked quantisation came
    hub.delete(REF)
    assert hub.cached_file(REF) is None


def test_cancel_stops_within_a_second_and_removes_partial_files(stand_in, online):
    stand_in.rate = 500_000
    downloads = hub_download.Downloads(online)
    job = downloads.start(REF)
    while job.done < 200_000 and job.state == "running":
        time.sleep(0.05)
    assert _partials(), "the download should have a partial file by now"
    t0 = time.monotonic()
    downloads.cancel(REF, wait=5)
    assert time.monotonic() - t0 < 1.0
    assert job.state == "cancelled"
    assert not job.thread.is_alive()
    assert not _partials() and hub.cached_file(REF) is None


def test_a_download_resumes_after_the_studio_is_killed(stand_in, online, gguf_bytes):
    stand_in.rate = 1_000_000
    code = ("from studio.settings import Settings; from studio import hub_download;"
            "from huggingface_hub import constants; constants.HF_HUB_OFFLINE = False;"
            f"hub_download.download(Settings(data_dir={str(online.data_dir)!r}).validate(), {REF!r})")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(p.stat().st_size > 1_000_000 for p in _partials()):
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    [partial] = _partials()
    had = partial.stat().st_size
    assert 0 < had < len(gguf_bytes)
    stand_in.rate = None
    path = hub_download.download(online, REF)
    assert path.read_bytes() == gguf_bytes
    ranges = [r for m, p, r in stand_in.requests if m == "GET" and p.endswith(FILE) and r]
    assert ranges and int(ranges[-1].split("=")[1].split("-")[0]) >= had - 1_000_000  # resumed, not restarted


def test_a_short_disk_is_refused_before_anything_is_written(stand_in, online, monkeypatch):
    monkeypatch.setattr(hub_download, "free_space", lambda path: 5_000_000)
    with pytest.raises(ModelUnavailable, match="Not enough free disk space.*GB are free"):
        hub_download.download(online, REF)
    assert hub.cached_file(REF) is None and not _partials()
    assert not [r for r in stand_in.requests if "/resolve/" in r[1]]


def test_a_damaged_transfer_is_refused_by_its_checksum(stand_in, online):
    stand_in.corrupt.add(FILE)
    with pytest.raises(ModelUnavailable, match="checksum"):
        hub_download.download(online, REF)
    assert hub.cached_file(REF) is None
    assert not [b for b in (hub.repo_folder(REPO) / "blobs").glob("*")]


def test_a_gated_repository_says_to_accept_its_licence_and_set_hf_token(stand_in, online, monkeypatch):
    job = hub_download.Downloads(online).wait(f"org/Gated-GGUF:{FILE}")
    assert job.state == "failed"
    assert "accept its licence" in job.message and "HF_TOKEN" in job.message
    stand_in.granted_tokens.add("hf_granted")
    monkeypatch.setenv("HF_TOKEN", "hf_granted")
    assert hub_download.download(online, f"org/Gated-GGUF:{FILE}").stat().st_size == 50_000


def test_an_unreachable_hub_says_so_and_how_to_use_a_model_folder(stand_in, online, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{free_port()}")
    for settings in (online, Settings(data_dir=tmp_path / "d2", offline=True).validate()):
        with pytest.raises(ModelUnavailable, match="cannot be reached.*--model-dir"):
            hub_download.download(settings, REF)
        with pytest.raises(ModelUnavailable, match="cannot be reached"):
            hub_download.search(settings, "tiny")


def test_recommended_lists_sizes_memory_speed_and_warnings():
    text = hub.recommended("text", base_tokens_per_s=100.0, memory=3 * hub.GB, gpu=False)
    assert [r["ref"].split(":")[0] for r in text][:2] == ["Qwen/Qwen2.5-1.5B-Instruct-GGUF",
                                                          "Qwen/Qwen2.5-3B-Instruct-GGUF"]
    small, *_rest, big = sorted(text, key=lambda r: r["size"])
    assert small["warning"] == "" and big["warning"].startswith("Too little memory")
    assert small["tokens_per_s"] > big["tokens_per_s"] > 0
    pics = hub.recommended("diffusion", memory=64 * hub.GB, gpu=False)
    assert {r["ref"] for r in pics} == {"stabilityai/sd-turbo", "stabilityai/sdxl-turbo"}
    assert all(r["warning"].startswith("No GPU") for r in pics)


def test_make_default_is_used_at_the_next_start_and_a_flag_overrides(online, monkeypatch):
    monkeypatch.delenv("STUDIO_TEXT_MODEL", raising=False)
    hub.make_default(online, "text", REF)
    data = ["--data-dir", str(online.data_dir)]
    assert parse_settings(data).text_model == REF
    assert parse_settings(data + ["--text-model", "smollm2-135m-instruct"]).text_model == "smollm2-135m-instruct"


def test_the_downloaded_tiny_gguf_writes(stand_in, online):
    from studio.context import StudioContext

    hub_download.download(online, REF)
    ctx = StudioContext.create(online)
    resolved = ctx.manager.resolve(REF, "text")
    assert resolved.path == hub.cached_file(REF)
    backend = ctx.manager.get("text", REF)
    assert backend is not None


def test_admin_flag_names_users_of_auth():
    s = parse_settings(["--auth", "ann:pw", "--auth", "bob:pw", "--admin", "ann"])
    assert s.may_manage_models("ann") and not s.may_manage_models("bob") and not s.may_manage_models(None)
    assert parse_settings([]).may_manage_models(None), "without --auth everyone may"
    with pytest.raises(Exception, match="--admin"):
        parse_settings(["--auth", "ann:pw", "--admin", "carl"])


@pytest.mark.slow
def test_the_speed_estimate_comes_from_the_embedded_model(online):
    from studio.context import StudioContext
    from studio.models import embedded_file

    if embedded_file("smollm2-135m-instruct") is None:
        pytest.skip("the embedded wheel is not installed")
    speed = hub.measure_speed(StudioContext.create(online).text, tokens=8)
    assert speed and speed > 0
    [qwen15, *_] = hub.recommended("text", speed)
    assert 0 < qwen15["tokens_per_s"] < speed


@pytest.mark.slow
def test_a_diffusers_pipeline_downloads_and_loads(stand_in, online, tmp_path, monkeypatch):
    from huggingface_hub import constants

    from studio.context import StudioContext
    from studio.testing import make_tiny_sd

    folder = make_tiny_sd(tmp_path / "tiny-sd")
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    stand_in.add_repo("org/Tiny-SD", files, license="openrail", tags=("diffusers",), pipeline_tag="text-to-image",
                      library_name="diffusers")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub.cache_dir()))  # where the Hub cache is read from
    assert [r["ref"] for r in hub_download.search(online, "tiny-sd", kind="diffusion")] == ["org/Tiny-SD"]
    path = hub_download.download(online, "org/Tiny-SD")
    assert (path / "model_index.json").is_file()
    [entry] = [e for e in hub.installed(online, "diffusion") if e["ref"] == "org/Tiny-SD"]
    assert entry["tab"] == "Image" and entry["license"] == "openrail"
    ctx = StudioContext.create(online)
    assert "org/Tiny-SD" in ctx.diffusion.candidates()
    assert ctx.diffusion.availability("org/Tiny-SD") is None
    assert ctx.diffusion.pipeline("org/Tiny-SD") is not None


def test_org_repo_with_several_quantisations_uses_q4_k_m(stand_in, online, monkeypatch):
    from huggingface_hub import constants

    from studio.models import ModelManager
    from studio.text.backends import gguf_of as _gguf_of

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(hub.cache_dir()))
    hub_download.download(online, f"{REPO}:tiny-instruct-Q8_0.gguf")
    hub_download.download(online, REF)
    resolved = ModelManager(online).resolve(REPO, "text")
    assert _gguf_of(resolved).name == FILE
    assert ModelManager(online).resolve(f"{REPO}:tiny-instruct-Q8_0.gguf", "text").path.name == "tiny-instruct-Q8_0.gguf"
