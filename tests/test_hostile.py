"""Hostile and careless input, table-driven, across every endpoint.

Each case must be refused with an error that names the field, must write no file,
and must leave the server healthy. A few hostile-looking inputs are valid (emoji,
CJK, right-to-left, 16-bit, CMYK, animated images) and must simply work.
"""

from __future__ import annotations

import urllib.request

import numpy as np
import pytest
from PIL import Image

pytestmark = pytest.mark.slow

MB = 1_000_000


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile")
    f = {}
    f["corrupt"] = d / "corrupt.png"
    good = d / "good.png"
    Image.fromarray((np.random.default_rng(1).random((80, 96, 3)) * 255).astype("uint8")).save(good)
    f["good"] = good
    data = good.read_bytes()
    f["corrupt"].write_bytes(data[:60] + b"\x00garbage" * 50)
    f["empty"] = d / "empty.png"
    f["empty"].write_bytes(b"")
    f["text"] = d / "notes.png"
    f["text"].write_text("this is not a picture, just text named .png\n" * 20)
    f["bomb"] = d / "bomb.png"
    Image.new("1", (20000, 20000)).save(f["bomb"])  # tiny file, 400 megapixels once decoded
    f["tiny"] = d / "one.png"
    Image.new("RGB", (1, 1), "red").save(f["tiny"])
    f["16bit"] = d / "deep.png"
    Image.fromarray((np.random.default_rng(2).random((64, 80)) * 65535).astype(np.uint16)).save(f["16bit"])
    f["cmyk"] = d / "print.jpg"
    Image.new("CMYK", (72, 64), (0, 128, 255, 10)).save(f["cmyk"])
    f["animated"] = d / "anim.gif"
    frames = [Image.new("RGB", (64, 48), c) for c in ("red", "green", "blue")]
    frames[0].save(f["animated"], save_all=True, append_images=frames[1:], duration=100, loop=0)
    return f


def healthy(url: str) -> bool:
    with urllib.request.urlopen(url + "config", timeout=30) as r:
        return r.status == 200


W = "/write"
G = "/generate_image"
S = "/style_transfer"
FAKE_FILE = {"path": "/etc/passwd", "meta": {"_type": "gradio.FileData"}, "orig_name": "passwd.png"}

# (endpoint, keyword arguments, words the error must contain)
CASES = [
    (W, {"prompt": ""}, "prompt"),
    (W, {"prompt": "   \n\t  "}, "prompt"),
    (W, {"prompt": None}, "prompt"),
    (W, {"prompt": "x" * MB}, "prompt"),
    (W, {"prompt": "x" * MB, "task": "summarize"}, "prompt"),
    (W, {"prompt": "bell\x07 and null\x00"}, "prompt"),
    (W, {"prompt": 12345}, "prompt"),
    (W, {"prompt": "bees", "task": "hack"}, "task"),
    (W, {"prompt": "bees", "tone": 7}, "tone"),
    (W, {"prompt": "bees", "temperature": "nan"}, "temperature"),
    (W, {"prompt": "bees", "temperature": "inf"}, "temperature"),
    (W, {"prompt": "bees", "temperature": -0.5}, "temperature"),
    (W, {"prompt": "bees", "top_p": 7}, "top_p"),
    (W, {"prompt": "bees", "max_new_tokens": -1}, "max_new_tokens"),
    (W, {"prompt": "bees", "max_new_tokens": 10**12}, "max_new_tokens"),
    (W, {"prompt": "bees", "length_words": "long"}, "length_words"),
    (W, {"prompt": "bees", "seed": -2}, "seed"),
    (W, {"prompt": "bees", "seed": 2**64}, "seed"),
    (G, {"width": 0}, "width"),
    (G, {"width": -512}, "width"),
    (G, {"height": 10**6}, "height"),
    (G, {"width": "wide"}, "width"),
    (G, {"num_images": 65}, "num_images"),
    (G, {"num_images": 0}, "num_images"),
    (G, {"seed": -2}, "seed"),
    (G, {"seed": 2**64}, "seed"),
    (G, {"guidance_scale": "nan"}, "guidance_scale"),
    (G, {"num_inference_steps": 0}, "num_inference_steps"),
    (G, {"num_inference_steps": 151}, "num_inference_steps"),
    (G, {"model": "../../etc/passwd"}, "model"),
    (G, {"model": "/etc/passwd"}, "model"),
    (G, {"model": "no-such-org/no-such-model"}, "no-such-org/no-such-model"),
    (G, {"model": "https://example.com/x.safetensors"}, "model"),
    (S, {"content_image": "corrupt"}, "content_image"),
    (S, {"content_image": "empty"}, "content_image"),
    (S, {"content_image": "text"}, "content_image"),
    (S, {"content_image": "bomb"}, "content_image"),
    (S, {"content_image": "tiny"}, "content_image"),
    (S, {"content_image": None}, "content_image"),
    (S, {"content_image": "good", "style_image": "corrupt"}, "style_image"),
    (S, {"content_image": "good", "strength": 2}, "strength"),
    (S, {"content_image": "good", "strength": "nan"}, "strength"),
    (S, {"content_image": "good", "max_side": 0}, "max_side"),
    (S, {"content_image": "good", "max_side": 10**6}, "max_side"),
    (S, {"content_image": "good", "preset": "no-such-preset"}, "preset"),
    (S, {"content_image": FAKE_FILE}, ""),
]


def _resolve(kw: dict, files) -> dict:
    from gradio_client import handle_file

    out = {}
    for k, v in kw.items():
        if k in ("content_image", "style_image") and isinstance(v, str):
            v = handle_file(str(files[v]))
        out[k] = v
    if "content_image" in out and "preset" not in out and "style_image" not in out:
        out["preset"] = "style-01"
    return out


@pytest.mark.parametrize("endpoint, kwargs, words", CASES, ids=[f"{e}-{i}" for i, (e, _k, _w) in enumerate(CASES)])
def test_refused_with_a_message_naming_the_field(client, studio_server, files, endpoint, kwargs, words):
    from gradio_client.exceptions import AppError

    url, ctx = studio_server
    out = ctx.settings.output_dir
    before = set(out.glob("*")) if out.exists() else set()
    kw = _resolve(kwargs, files)
    if endpoint == G:
        kw.setdefault("model", "dcgan-faces")
    with pytest.raises((AppError, ValueError)) as err:
        client.predict(**kw, api_name=endpoint)
    assert words in str(err.value), str(err.value)[:500]
    assert "/etc/passwd" not in ctx.settings.output_dir.as_posix()
    after = set(out.glob("*")) if out.exists() else set()
    assert after == before, "no file may be written for refused input"
    assert healthy(url)


def test_case_table_is_large_enough():
    assert len(CASES) >= 40


@pytest.mark.parametrize("topic", ["Jardinage urbain 🌱🌻", "גינון עירוני למתחילים"])
def test_any_script_writes(client, topic):
    assert client.predict(prompt=topic, task="headlines", max_new_tokens=12, seed=1, api_name=W).strip()


def test_chinese_to_the_english_only_model_names_one_that_writes_it(client):
    from gradio_client.exceptions import AppError

    with pytest.raises((AppError, ValueError)) as err:
        client.predict(prompt="城市园艺入门", task="headlines", max_new_tokens=12, seed=1, api_name=W)
    assert "English only" in str(err.value) and "Qwen" in str(err.value)


@pytest.mark.parametrize("name", ["16bit", "cmyk", "animated", "good"])
def test_unusual_but_valid_images_work(client, files, name):
    from gradio_client import handle_file

    with Image.open(files[name]) as src:
        size = src.size
    result = client.predict(content_image=handle_file(str(files[name])), preset="style-02", api_name=S)
    path = result if isinstance(result, str) else result["path"]
    with Image.open(path) as im:
        assert im.size == size and im.mode == "RGB"


def test_generated_text_with_html_is_shown_as_text(client):
    """Text comes back as text; the draft box is a plain textbox, never rendered as HTML."""
    text = client.predict(prompt="<script>alert(1)</script> gardens", task="rewrite", max_new_tokens=12, seed=1,
                          api_name=W)
    assert isinstance(text, str)


def raw_call(url: str, api: str, body: str) -> str:
    """POST raw JSON (which may hold a NaN literal or a lone surrogate escape that no client
    library would send) to the queue-less call route, then read the event stream."""
    import json

    req = urllib.request.Request(f"{url}gradio_api/call/{api}", data=body.encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        event_id = json.loads(r.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api}/{event_id}", timeout=300) as r:
        return r.read().decode()


@pytest.mark.parametrize("body, field", [
    ('{"data": ["broken \\ud800 surrogate", "article", "neutral", 400, 0.7, 0.9, 64, 1, "", "", "", "", 50, 1.1, "", true, null]}', "prompt"),
    ('{"data": ["bees", "article", "neutral", 400, NaN, 0.9, 64, 1, "", "", "", "", 50, 1.1, "", true, null]}', "temperature"),
    ('{"data": ["bees", "article", "neutral", 400, 0.7, Infinity, 64, 1, "", "", "", "", 50, 1.1, "", true, null]}', "top_p"),
])
def test_raw_json_that_clients_cannot_send(studio_server, body, field):
    url, _ctx = studio_server
    stream = raw_call(url, "write", body)
    assert "event: error" in stream and field in stream, stream[:500]
    assert healthy(url)


def test_a_huge_whole_number_is_quoted_as_typed_not_as_float_digits():
    """A browser sends 99999999999999999999999 as a float; the message must not show 99999999999999991611392."""
    from studio.errors import InvalidInput
    from studio.validate import check_int

    with pytest.raises(InvalidInput) as e:
        check_int("seed", 99999999999999999999999.0, -1, 4294967295)
    assert "not 1e+23" in str(e.value) and "1611392" not in str(e.value)
