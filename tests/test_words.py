"""Continue joins the model's text exactly; one word count everywhere; search finds text however
it was typed (issue #12, items 6, 10, 11)."""

from __future__ import annotations

import threading
import unicodedata

import pytest

from studio.library import Library
from studio.settings import Settings
from studio.text.backends import StreamStats
from studio.text.engine import TextEngine, WriteRequest
from studio.text.engine import count_words as engine_count_words
from studio.unitext import count_words, fold


# ---------------------------------------------------------------------- 6. Continue
class ScriptedBackend:
    """A backend that 'generates' the given chunks (as a tokenizer's decoded pieces would come)."""

    context_size = 4096

    def __init__(self, chunks):
        self.chunks = chunks
        self.prompts = []

    def render(self, messages, assistant_prefix=""):
        return "\n".join(m["content"] for m in messages) + "\n" + assistant_prefix

    def count_tokens(self, text):
        return max(1, len(text) // 4)

    def keep_last_tokens(self, text, n):
        return text[-4 * n:]

    def stream(self, prompt, params, stop, stats=None):
        self.prompts.append(prompt)
        stats = stats if stats is not None else StreamStats()
        for c in self.chunks:
            stats.tokens += 1
            yield c


def continued(tmp_path, draft, chunks):
    # a scripted model that writes any language (the embedded SmolLM2 refuses Chinese drafts: test_zh_writing)
    eng = TextEngine(None, Settings(text_model="scripted-multilingual", data_dir=tmp_path / "d",
                                    cache_dir=tmp_path / "c").validate())
    backend = ScriptedBackend(chunks)
    eng.backend = lambda model="", voice="", owner="": backend
    events = list(eng.stream(WriteRequest(prompt=draft, task="continue", length_words=20, max_new_tokens=40,
                                          seed=1), threading.Event()))
    assert backend.prompts[0].endswith(draft.rstrip()), "the draft is the assistant prefix the model continues"
    assert all(ev.text.startswith(draft) for ev in events)
    return events[-1].text


@pytest.mark.parametrize("draft, chunks, want", [
    ("...the key is consis", ["tency", " and", " care."], "...the key is consistency and care."),
    ("我喜欢在阳台上种菜。", ["实际上", "，番茄", "长得很好。"], "我喜欢在阳台上种菜。实际上，番茄长得很好。"),
    ("Plants I love (", ["I'm", " sure", " of it)."], "Plants I love (I'm sure of it)."),
    ("The garden is", [" green", " and", " calm."], "The garden is green and calm."),
    ("The garden is ", ["green."], "The garden is green."),
    ("The garden is ", [" green."], "The garden is green."),  # the writer's space is not doubled
    ("First line.\n", [" Second", " line."], "First line.\nSecond line."),
    ("First paragraph.", ["\n\n", "Second."], "First paragraph.\n\nSecond."),
    ("First line.\n", ["Second", " line."], "First line.\nSecond line."),
    ("حدائق الشرفة", [" جميلة", "!"], "حدائق الشرفة جميلة!"),
    ("Quote: «", ["bonjour", "»"], "Quote: «bonjour»"),
])
def test_continue_joins_the_continuation_exactly_as_the_model_wrote_it(tmp_path, draft, chunks, want):
    assert continued(tmp_path, draft, chunks) == want


# ---------------------------------------------------------------------- 10. word counts
CHINESE = "我喜欢在阳台上种菜。番茄长得很好，薄荷也很好。"


@pytest.mark.parametrize("text, words", [
    (CHINESE, 20), ("番茄", 2), ("Gardens change a city.", 4), ("don't stop well-known", 3),
    ("我在Berlin种了3个番茄", 9), ("ひらがなとカタカナ", 9), ("中文 English 中文", 5), ("", 0), ("  。！ ", 0),
    ("Привет мир", 2), ("حدائق الشرفة", 2), ("한국어 문장입니다", 2),
])
def test_each_chinese_or_japanese_character_is_a_word_and_spaced_scripts_count_words(text, words):
    assert count_words(text) == words
    assert engine_count_words(text) == words  # the Write tab's count is the same function


def test_the_library_counts_words_like_the_write_tab(tmp_path):
    lib = Library(tmp_path / "data")
    aid = lib.create("me", "阳台", CHINESE)["id"]
    assert [a["words"] for a in lib.list("me")] == [20]
    assert lib.versions("me", aid)[0]["words"] == 20
    lib.close()


def test_the_write_tab_and_library_tab_use_the_one_count():
    from studio.ui import library as library_tab
    from studio.ui import write_tab

    assert write_tab.count_words is count_words or write_tab.count_words(CHINESE) == 20
    assert "words_of" in dir(library_tab) and library_tab.words_of(CHINESE) == "20 words"


# ---------------------------------------------------------------------- 11. search
@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data")
    yield library
    library.close()


@pytest.mark.parametrize("stored, query", [
    ("Un café sur le balcon", "cafe\u0301"),  # NFD query, NFC text
    ("Un cafe\u0301 sur le balcon", "café"),  # NFC query, NFD text (pasted from macOS)
    ("GARDENING tips", "gardening"),
    ("Straße und Garten", "STRASSE"),
    ("Ｆｕｌｌ－ｗｉｄｔｈ ＧＡＲＤＥＮ", "garden"),  # full-width letters
    ("Our garden", "ＧＡＲＤＥＮ"),
    ("The ﬁrst ﬂowers", "first flowers"),  # ligatures
    ("A beau\u00adtiful bal\u00adcony", "beautiful"),  # soft hyphens (pasted from a web page)
    ("zero\u200bwidth\u200b joiners", "zerowidth"),
    ("tomato", "to\u00admato"),
    ("番茄长得很好", "番茄"),
    ("番茄长得很好", "长得很"),
    ("①② numbered", "12"),
])
def test_search_finds_text_however_it_was_typed_or_pasted(lib, stored, query):
    aid = lib.create("me", "note", stored)["id"]
    lib.create("me", "other", "nothing to see here")
    assert [a["id"] for a in lib.list("me", query)] == [aid], (stored, query)


def test_search_matches_titles_and_tags_in_any_form_and_keeps_the_stored_text(lib):
    aid = lib.create("me", "Ｃafé notes", "body", tags=["ﬂora"])["id"]
    assert [a["id"] for a in lib.list("me", "CAFÉ")] == [aid]
    assert [a["id"] for a in lib.list("me", "flora")] == [aid]
    assert lib.get("me", aid)["title"] == "Ｃafé notes"  # stored as typed; only the index is folded


def test_fold_rules():
    assert fold("Ｃafe\u0301") == fold("CAFÉ") == "café"
    assert fold("ﬁg\u00ad\u200b") == "fig"
    assert unicodedata.is_normalized("NFKC", fold("e\u0301"))


def test_an_older_library_is_reindexed_for_folded_search(tmp_path):
    import sqlite3

    from studio.library import FTS_TABLE, SCHEMA, TRIGGERS

    db = tmp_path / "data" / "library.db"
    db.parent.mkdir(parents=True)
    con = sqlite3.connect(db)  # a library made by the previous version: raw text in the index
    con.executescript(SCHEMA + FTS_TABLE.format(tokenize="trigram") + ";" + TRIGGERS.replace("studio_fold", ""))
    con.execute("INSERT INTO articles(owner, title, body, tags, created, updated) VALUES "
                "('me', 'Old', 'Ｆｕｌｌ－ｗｉｄｔｈ ＧＡＲＤＥＮ', '', 0, 0)")
    con.commit()
    con.close()
    lib = Library(tmp_path / "data")
    assert [a["title"] for a in lib.list("me", "garden")] == ["Old"]
    lib.close()
