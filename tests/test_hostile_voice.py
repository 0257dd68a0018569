"""A voice's score is honest (issue #23, kind 7): the same article or text given twice counts once, the held-out
text never shares a run of tokens with the training text, and a voice trained on too little says so."""

from __future__ import annotations

import random

import pytest

from studio.errors import InvalidInput
from studio.library import Library
from studio.models import ModelManager
from studio.settings import Settings, default_cache_dir
from studio.text.engine import TextEngine
from studio.voice.sources import gather, without_repeats
from studio.voice.train import (
    OVERLAP_TOKENS,
    VoiceSettings,
    VoiceTrainer,
    _window_hashes,
    describe,
    held_out_labels,
    scored_tokens,
    split_blocks,
    too_little,
)

NOUNS = ["garden", "rain", "soil", "shoot", "morning", "coffee", "river", "bridge", "lamp", "window", "letter", "harbour", "kettle", "orchard"]
VERBS = ["grows", "falls", "waits", "rises", "hums", "turns", "leans", "glows", "drifts", "settles"]


def essay(seed: int, paragraphs: int = 6) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        out.append(" ".join(f"The {rng.choice(NOUNS)} {rng.choice(VERBS)} near the {rng.choice(NOUNS)} "
                            f"{rng.randrange(1000)}." for _ in range(6)))
    return "\n\n".join(out)


@pytest.fixture
def lib(tmp_path):
    return Library(tmp_path / "data")


def test_the_same_article_twice_counts_once(lib):
    art = lib.save("ann", None, "Rain", essay(1))
    texts, sources = gather(lib, "ann", [art["article_id"], str(art["article_id"])], [])
    assert len(texts) == 1 and sources == [{"kind": "article", "id": art["article_id"], "title": "Rain"}]


def test_the_same_text_uploaded_twice_or_copied_in_the_library_counts_once(lib, tmp_path):
    body = essay(2)
    a = lib.save("ann", None, "Rain", body)
    b = lib.save("ann", None, "Rain (copy)", body)  # duplicated in the Library under another title
    (tmp_path / "rain.md").write_text(body)
    (tmp_path / "again.txt").write_text(body.replace("\n\n", "\n  \n"))  # the same text, spaced differently
    (tmp_path / "other.md").write_text(essay(3))
    texts, sources = gather(lib, "ann", [a["article_id"], b["article_id"]],
                            [str(tmp_path / n) for n in ("rain.md", "again.txt", "other.md")])
    assert [s.get("title") or s.get("name") for s in sources] == ["Rain", "Rain (copy)", "other.md"]
    assert texts[0] == "# Rain\n\n" + body and texts[1] == "# Rain (copy)" and texts[2] == essay(3)


def test_texts_without_repeats_are_kept_exactly():
    texts = [essay(4), "Yes.\n\nYes.\n\n" + essay(5)]  # a short refrain is not a repeat
    assert without_repeats(texts) == (texts, 0)


@pytest.fixture(scope="module")
def tok(tiny_lm_dir):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_lm_dir))


def _scored_in_shared_runs(held, labels, train) -> int:
    """Tokens still scored that lie inside a run of OVERLAP_TOKENS tokens also found in the training text."""
    n = OVERLAP_TOKENS
    seen = {tuple(b[i:i + n]) for b in train for i in range(len(b) - n + 1)}
    bad = 0
    for h, lab in zip(held, labels, strict=False):
        for i in range(len(h) - n + 1):
            if tuple(h[i:i + n]) in seen:
                bad += sum(1 for t in lab[i:i + n] if t != -100)
    return bad


def test_held_out_text_never_overlaps_the_training_text(tok):
    one, two = essay(6, 10), essay(7, 10)
    train, held = split_blocks(tok, [one, two, one], 32)  # the first essay given twice, unnoticed upstream
    labels = held_out_labels(held, train)
    assert held and _scored_in_shared_runs(held, labels, train) == 0
    assert scored_tokens(labels) < sum(len(h) - 1 for h in held)  # the repeated essay's pieces are not scored
    train, held = split_blocks(tok, [one, two], 32)  # distinct texts: about a fifth held out and all of it scored
    labels = held_out_labels(held, train)
    assert 0.15 < len(held) / (len(held) + len(train)) <= 0.2 and labels == held


def test_the_window_hash_finds_every_shared_run():
    a = list(range(100))
    assert set(_window_hashes(a, 16)) >= set(_window_hashes(a[40:70], 16)) and len(_window_hashes(a[:15], 16)) == 0


def test_texts_that_only_repeat_themselves_cannot_be_measured(tok):
    with pytest.raises(InvalidInput, match="texts: the texts repeat themselves so much"):
        split_blocks(tok, [essay(8, 3)] * 6, 32)


def test_a_voice_trained_on_too_little_says_so():
    base = {"perplexity_before": 20.0, "perplexity_after": 15.0, "words": 5000, "steps_done": 100,
            "held_out_tokens": 2000}
    assert too_little(base) == "" and "Trained too little" not in describe(base)
    for change, why in (({"words": 200}, "it learnt from only 200 words"),
                        ({"steps_done": 5}, "it trained for only 5 steps"),
                        ({"held_out_tokens": 120}, "only 120 tokens of your text were left to measure it on")):
        said = describe({**base, **change})
        assert f"Trained too little to mean much yet: {why}, so these figures are mostly chance." in said


def test_training_counts_a_text_given_twice_once_and_says_how_little_it_learnt(tmp_path, tiny_lm_dir):
    settings = Settings(device="cpu", data_dir=tmp_path / "data", output_dir=tmp_path / "out",
                        cache_dir=default_cache_dir(), model_dirs=[tmp_path], offline=True,
                        text_model=str(tiny_lm_dir)).validate()
    manager = ModelManager(settings)
    trainer = VoiceTrainer(manager, TextEngine(manager, settings).voices)
    text = essay(9, 5)
    rec = trainer.train("ann", "Twice", [text, text], [], settings.text_model,
                        VoiceSettings(steps=3, rank=2, block_tokens=32, seed=1))
    once = trainer.train("ann", "Once", [text], [], settings.text_model,
                         VoiceSettings(steps=3, rank=2, block_tokens=32, seed=1))
    assert rec["repeats_dropped"] == 5 and rec["words"] == once["words"]
    assert rec["train_tokens"] == once["train_tokens"] and rec["held_out_tokens"] == once["held_out_tokens"]
    assert "Trained too little to mean much yet" in describe(rec)
    assert rec["score_note"].startswith("Trained too little to mean much yet: it learnt from only")  # for the API


def test_the_warning_reads_in_chinese():
    from studio.ui import i18n

    from .test_i18n import english_left

    said = describe({"perplexity_before": 20.0, "perplexity_after": 15.0, "words": 200, "steps_done": 5,
                     "held_out_tokens": 90})
    zh = i18n.translate(said, "zh")
    assert not english_left(zh) and "200" in zh, zh
