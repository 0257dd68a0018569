"""Voices (#13): LoRA training on a tiny random LM saved with save_pretrained and loaded through the
studio's own loading code; held-out perplexity, Stop, per-user storage, writing with a voice."""

from __future__ import annotations

import threading

import pytest

from studio.errors import Cancelled, InvalidInput
from studio.models import ModelManager
from studio.settings import Settings, default_cache_dir
from studio.text.engine import TextEngine, WriteRequest
from studio.voice.sources import gather, read_file
from studio.voice.train import VoiceSettings, VoiceTrainer, default_settings, describe

WORDS = ["the", "garden", "grows", "slowly", "when", "the", "rain", "comes", "late", "and", "the", "soil", "is", "cold", "so", "I", "wait", "and", "watch", "the", "small", "green", "shoots", "rise", "from", "the", "dark", "earth", "every", "morning", "with", "my", "coffee", "in", "hand"]


def writer_text(n_words: int, seed: int) -> str:
    import random

    rng = random.Random(seed)
    out, i = [], 0
    while len(out) < n_words:  # the writer's phrases, in a shuffled order
        start = rng.randrange(len(WORDS) - 8)
        out += WORDS[start:start + rng.randrange(4, 9)]
        i += 1
    return " ".join(out) + "."


FAST = VoiceSettings(steps=30, rank=4, learning_rate=5e-3, block_tokens=32, seed=1)


@pytest.fixture(scope="module")
def studio(tmp_path_factory, tiny_lm_dir):
    tmp = tmp_path_factory.mktemp("voice")
    settings = Settings(device="cpu", data_dir=tmp / "data", output_dir=tmp / "out", cache_dir=default_cache_dir(),
                        model_dirs=[tmp], offline=True, text_model=str(tiny_lm_dir)).validate()
    manager = ModelManager(settings)
    engine = TextEngine(manager, settings)
    return settings, engine, VoiceTrainer(manager, engine.voices)


@pytest.fixture(scope="module")
def ann_voice(studio):
    settings, engine, trainer = studio
    texts = [writer_text(300, s) for s in range(3)]
    updates = []
    rec = trainer.train("ann", "My blog", texts, [{"kind": "file", "name": "a.md"}], settings.text_model, FAST,
                        progress=updates.append)
    return rec, updates


def test_training_lowers_held_out_perplexity(ann_voice):
    rec, updates = ann_voice
    assert rec["perplexity_after"] < rec["perplexity_before"], rec
    assert rec["improvement_percent"] > 0 and rec["steps_done"] == 30 and not rec["stopped"]
    assert "better" in describe(rec)
    steps = [u.step for u in updates if u.phase == "training"]
    assert steps == list(range(1, 31)), "a progress update per step"
    assert all(u.loss is not None and u.seconds_left is not None for u in updates if u.phase == "training")
    assert updates[-1].phase == "done"
    assert rec["settings"]["rank"] == 4 and rec["sources"] == [{"kind": "file", "name": "a.md"}]


def test_voice_is_listed_stored_and_private(studio, ann_voice, tmp_path):
    settings, engine, _ = studio
    rec, _ = ann_voice
    store = engine.voices
    assert [v["id"] for v in store.list("ann")] == [rec["id"]]
    assert store.list("bob") == []
    path = store.adapter_path("ann", "my blog")  # by name, any case
    assert (path / "adapter_model.safetensors").exists() and path.is_relative_to(settings.data_dir)
    assert not [p for p in path.parent.parent.iterdir() if p.name.startswith(".")], "no training folder left"
    with pytest.raises(InvalidInput, match="no voice"):
        store.get("bob", rec["id"])
    with pytest.raises(InvalidInput, match="no voice"):
        list(engine.stream(WriteRequest("A walk", task="headlines", voice=rec["id"], max_new_tokens=8), owner="bob"))


def test_write_with_voice_differs_from_without(studio, ann_voice):
    _, engine, _ = studio
    rec, _ = ann_voice
    req = WriteRequest("The garden in spring", task="headlines", seed=7, max_new_tokens=24)
    plain = list(engine.stream(req, owner="ann"))[-1].text
    voiced = list(engine.stream(WriteRequest(**{**req.__dict__, "voice": rec["id"]}), owner="ann"))[-1].text
    again = list(engine.stream(WriteRequest(**{**req.__dict__, "voice": "My blog"}), owner="ann"))[-1].text
    assert voiced and voiced != plain, "the voice changes what the model writes"
    assert again == voiced, "same seed, same voice, same text"
    assert engine.complete("Say hello", max_new_tokens=8, seed=3, voice=rec["id"], owner="ann")


def test_a_voice_survives_a_restart(studio, ann_voice):
    """A new StudioContext over the same data folder (what a restarted studio builds) lists the voice and
    writes with it exactly as before."""
    from studio.context import StudioContext

    settings, engine, _ = studio
    rec, _ = ann_voice
    req = WriteRequest("The garden in spring", task="headlines", seed=7, max_new_tokens=24, voice=rec["id"])
    before = list(engine.stream(req, owner="ann"))[-1].text
    ctx = StudioContext.create(settings)
    try:
        assert [v["id"] for v in ctx.text.voices.list("ann")] == [rec["id"]]
        assert ctx.text.voices.list("bob") == []
        after = list(ctx.text.stream(req, owner="ann"))[-1].text
        assert after and after == before, "the restarted studio writes with the voice as before"
    finally:
        ctx.library.close()


def test_voice_on_another_model_is_refused(studio, ann_voice, tmp_path):
    from studio.testing import make_tiny_lm

    settings, engine, _ = studio
    rec, _ = ann_voice
    other = str(make_tiny_lm(settings.model_dirs[0] / "other-lm"))
    with pytest.raises(InvalidInput, match="trained on the text model"):
        list(engine.stream(WriteRequest("x", task="headlines", model=other, voice=rec["id"]), owner="ann"))


def test_stop_keeps_a_usable_adapter(studio):
    settings, engine, trainer = studio
    stop = threading.Event()

    def on_progress(p):
        if p.phase == "training" and p.step == 4:
            stop.set()

    rec = trainer.train("carol", "Stopped early", [writer_text(400, 9)], [], settings.text_model,
                        VoiceSettings(steps=50, rank=4, learning_rate=5e-3, block_tokens=32), stop, on_progress)
    assert rec["stopped"] and rec["steps_done"] == 4
    assert rec["perplexity_after"] > 0
    out = list(engine.stream(WriteRequest("Rain", task="headlines", seed=1, max_new_tokens=8, voice=rec["id"]),
                             owner="carol"))
    assert out[-1].done and out[-1].text


def test_stop_before_training_saves_nothing(studio):
    settings, engine, trainer = studio
    stop = threading.Event()
    stop.set()
    with pytest.raises(Cancelled):
        trainer.train("dave", "Nothing", [writer_text(300, 1)], [], settings.text_model, FAST, stop)
    assert engine.voices.list("dave") == []
    folder = engine.voices.owner_dir("dave")  # Stop now ends the first measuring: no folder is even made
    assert not folder.exists() or not any(folder.iterdir())


def test_rename_delete_and_bad_input(studio):
    settings, engine, trainer = studio
    store = engine.voices
    rec = trainer.train("erin", "Essays", [writer_text(300, 4)], [], settings.text_model,
                        VoiceSettings(steps=2, rank=2, block_tokens=32))
    with pytest.raises(InvalidInput, match="already have a voice"):
        trainer.train("erin", "essays", [writer_text(300, 4)], [], settings.text_model, FAST)
    with pytest.raises(InvalidInput, match="at least 150"):
        trainer.train("erin", "Short", ["Too short to learn from."], [], settings.text_model, FAST)
    with pytest.raises(InvalidInput, match="rank"):
        trainer.train("erin", "Bad", [writer_text(300, 4)], [], settings.text_model, VoiceSettings(rank=999))
    with pytest.raises(InvalidInput, match="name"):
        store.rename("erin", rec["id"], "")
    assert store.rename("erin", rec["id"], "Long essays")["name"] == "Long essays"
    with pytest.raises(InvalidInput):
        store.delete("frank", rec["id"])  # another user cannot delete it
    folder = store.adapter_path("erin", rec["id"]).parent
    assert (folder / "voice.json").is_file()
    store.delete("erin", "Long essays")
    assert store.list("erin") == []
    assert not folder.exists() and not any(store.owner_dir("erin").iterdir()), "deleting removes its files"


def test_defaults_follow_the_amount_of_text():
    small, big = default_settings(1000), default_settings(60000)
    assert small.rank < big.rank and small.steps >= 30 and big.steps <= 400
    assert default_settings(1000, VoiceSettings(steps=7)).steps == 7, "the writer's own numbers are kept"


def test_sources_from_files_and_library(tmp_path):
    import docx

    from studio.library import Library

    doc = docx.Document()
    doc.add_paragraph("First paragraph of my essay.")
    doc.add_paragraph("Second one.")
    doc.save(tmp_path / "essay.docx")
    (tmp_path / "note.md").write_text("\ufeff# Note\n\nSome words.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00bad")
    (tmp_path / "pic.png").write_bytes(b"x")
    assert read_file(tmp_path / "essay.docx") == "First paragraph of my essay.\n\nSecond one."
    assert read_file(tmp_path / "note.md").startswith("# Note")
    with pytest.raises(InvalidInput, match="UTF-8"):
        read_file(tmp_path / "bad.txt")
    with pytest.raises(InvalidInput, match="docx"):
        read_file(tmp_path / "pic.png")
    lib = Library(tmp_path / "data")
    art = lib.save("ann", None, "Rain", "It rained all day.")
    texts, sources = gather(lib, "ann", [art["article_id"]], [str(tmp_path / "note.md")])
    assert texts[0] == "# Rain\n\nIt rained all day." and sources[1] == {"kind": "file", "name": "note.md"}
    with pytest.raises(InvalidInput):
        gather(lib, "bob", [art["article_id"]], [])  # another user's article
    with pytest.raises(InvalidInput, match="at least one"):
        gather(lib, "ann", [], [])
