"""The Library tab's handler logic, called as plain functions on a real library in a temporary folder:
no server, no browser. Each test checks what the writer would see or get."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr
import pytest
from PIL import Image

from studio.errors import InvalidInput, StudioError
from studio.library import Library
from studio.ui.library import api, autosave, browse, formatting, illustrate, store, transfer

ME, OTHER = "me", "other"


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "data")
    yield library
    library.close()


# ---------------------------------------------------------------------- browse
def test_the_list_shows_titles_and_untitled_articles(lib):
    lib.create(ME, "Herbs on the sill", "Basil and mint.")
    lib.create(ME, "", "No title yet.")
    rows = browse.list_rows(lib, ME, "", False)
    assert sorted(r[1] for r in rows) == ["Herbs on the sill", "Untitled"]
    assert all(isinstance(r[3], int) for r in rows)  # the word count column


def test_a_search_that_finds_nothing_says_so_and_forgets_the_selection(lib):
    aid = lib.create(ME, "Herbs", "Basil and mint.")["id"]
    out = browse.searched(lib, ME, "tomatoes <b>", False, aid)
    assert out["table"] == [] and out["lib_status"] == "No article matches “tomatoes &lt;b&gt;”."
    assert out["selected"] is None and out["info"] == browse.NO_SELECTION
    kept = browse.searched(lib, ME, "basil", False, aid)
    assert [r[0] for r in kept["table"]] == [aid]
    assert "selected" not in kept and "info" not in kept  # a selection still listed stays as it is


def test_details_show_the_article_and_its_versions(lib):
    aid = lib.create(ME, "Herbs", "Basil.")["id"]
    lib.save(ME, aid, "Herbs", "Basil and mint.")
    out = browse.details(lib, ME, aid)
    assert out["info"].startswith("**<bdi>Herbs</bdi>** · 3 words · 0 pictures · 2 versions")
    labels = [label for label, _ in out["version_a"]["choices"]]
    assert labels[0].startswith("v2 ·") and labels[0].endswith("(current)") and labels[1].startswith("v1 ·")
    assert out["version_a"]["value"] != out["version_b"]["value"]  # the previous one against the current one
    assert out["export_id"] == aid
    # someone else's article looks like no selection at all
    assert browse.details(lib, OTHER, aid) == browse.nothing_selected()


def test_selecting_a_row_reads_its_id():
    assert browse.row_id([7, "Herbs", "", 3, ""]) == 7
    assert browse.row_id(["7.0"]) == 7
    assert browse.row_id([]) is None and browse.row_id(None) is None and browse.row_id(["x"]) is None


def test_the_trash_toggle_shows_the_buttons_that_fit(lib):
    out = browse.trash_toggled(lib, ME, "", True)
    assert out["untrash_btn"]["visible"] and out["empty_btn"]["visible"]
    assert not out["open_btn"]["visible"] and not out["delete_btn"]["visible"]
    assert out["selected"] is None


def test_rename_duplicate_and_delete_ask_for_a_selection_first(lib):
    with pytest.raises(InvalidInput, match="Select an article in the list first"):
        browse.renamed(lib, ME, None, "New", "", False)
    with pytest.raises(InvalidInput, match="Select an article in the trash first"):
        browse.untrashed(lib, ME, None, "", True)
    aid = lib.create(ME, "<i>Herbs</i>", "Basil.")["id"]
    question = browse.delete_question(lib, ME, aid)
    assert question["confirm_text"] == "Move **<bdi>&lt;i&gt;Herbs&lt;/i&gt;</bdi>** to the trash?"
    copy = browse.duplicated(lib, ME, aid, "", False)
    assert copy["selected"] != aid and len(copy["table"]) == 2


def test_emptying_the_trash_counts_what_went(lib):
    for title in ("a", "b"):
        lib.delete(ME, lib.create(ME, title, "x")["id"])
    out = browse.emptied(lib, ME, "", True)
    assert out["lib_status"] == "Deleted 2 articles for good." and out["table"] == []


def test_the_diff_of_two_versions_is_escaped_html(lib):
    aid = lib.create(ME, "T", "one <script>")["id"]
    lib.save(ME, aid, "T", "two <script>")
    old, new = (v["id"] for v in reversed(lib.versions(ME, aid)))
    html_out = browse.version_diff(lib, ME, aid, old, new)["diff_view"]
    assert "&lt;script&gt;" in html_out and "<script>" not in html_out
    with pytest.raises(InvalidInput, match="two of its versions"):
        browse.version_diff(lib, ME, aid, None, new)


# ---------------------------------------------------------------------- transfer
def test_opening_saves_the_open_draft_first_and_refuses_the_trash(lib):
    open_id = lib.create(ME, "Open one", "old text")["id"]
    base = lib.get(ME, open_id)["version_id"]
    other = lib.create(ME, "Other", "other text")["id"]
    result = transfer.opened(lib, ME, other, "Open one", "old text, typed a moment ago", open_id, base)
    assert (result.draft, result.title, result.article_id) == ("other text", "Other", other)
    assert result.save_status.startswith("Opened ")
    assert lib.get(ME, open_id)["body"] == "old text, typed a moment ago"  # nothing typed is lost
    # the Write tab's notes and facts were about the article open before (found by a new user: they stayed)
    assert (result.notes, result.facts) == ("", "")
    assert transfer.started(lib, ME, "Other", "other text", other, None)[-2:] == ("", "")
    assert transfer.Opened._fields[-2:] == ("notes", "facts")  # outputs of Open and New article (transfer.py)
    lib.delete(ME, other)
    with pytest.raises(InvalidInput, match="in the trash. Restore it first"):
        transfer.opened(lib, ME, other, "", "", None, None)


def test_trashing_the_open_article_empties_the_write_tab(lib):
    aid = lib.create(ME, "Doomed", "text")["id"]
    out = transfer.trashed(lib, ME, aid, aid, "", False)
    assert out["draft"] == "" and out["title"] == "" and out["article_id"] is None
    keep = lib.create(ME, "Keep", "text")["id"]
    gone = lib.create(ME, "Gone", "text")["id"]
    out = transfer.trashed(lib, ME, gone, keep, "", False)
    assert "draft" not in out and out["lib_status"].startswith("Moved to the trash")


def test_restoring_a_version_of_the_open_article_shows_it_in_the_write_tab(lib):
    aid = lib.create(ME, "T", "first")["id"]
    lib.save(ME, aid, "T", "second")
    first = lib.versions(ME, aid)[-1]["id"]
    out = transfer.version_restored(lib, ME, aid, first, aid, "", False)
    assert out["draft"] == "first" and out["lib_status"] == "Restored v1 into the Write tab."
    assert "selected" not in out
    elsewhere = transfer.version_restored(lib, ME, aid, first, None, "", False)
    assert "draft" not in elsewhere and elsewhere["lib_status"] == "Restored v1."


def test_a_picture_is_inserted_at_the_cursor_and_saved(lib, tmp_path):
    path = tmp_path / "red.png"
    Image.new("RGB", (8, 8), "red").save(path)
    body = "Para one.\n\nPara two."
    result = transfer.picture_inserted(lib, ME, str(path), "Title", body, None, 9, None, "style")
    ref = lib.images(ME, result.article_id)[0]["ref"]
    assert result.draft == f"Para one.\n\n![Title]({ref})\n\nPara two."  # no prompt: the title
    assert lib.get(ME, result.article_id)["body"] == result.draft
    under = transfer.picture_inserted(lib, ME, str(path), "Title", "## Herbs\nBasil.", None, -1, None, "image")
    assert "![Herbs](" in under.draft  # the heading it goes under
    assert lib.get(ME, result.article_id)["body"] == result.draft
    assert result.save_status.startswith("Saved ")


# ---------------------------------------------------------------------- autosave
def test_a_save_is_due_only_after_a_quiet_moment():
    assert not autosave.due(0.0, 0.0, 100.0)  # nothing edited
    assert not autosave.due(99.0, 0.0, 100.0)  # still typing
    assert autosave.due(97.0, 0.0, 100.0)
    assert not autosave.due(97.0, 97.0, 100.0)  # already saved


def test_a_stale_save_keeps_both_versions_and_says_so(lib):
    aid = lib.create(ME, "T", "from this tab")["id"]
    base = lib.get(ME, aid)["version_id"]
    lib.save(ME, aid, "T", "from another tab")
    r = autosave.saved(lib, ME, 5.0, "T", "from this tab, edited", aid, base)
    assert r.saved_upto == 5.0 and r.article_id == aid
    assert "Another tab or window had saved v2 of this article" in r.save_status  # as the Versions list numbers it
    bodies = [lib.version(ME, aid, v["id"])["body"] for v in lib.versions(ME, aid)]
    assert bodies[:2] == ["from this tab, edited", "from another tab"]
    assert autosave.saved(lib, ME, 1.0, "", "  ", None, None) is None  # a blank new draft is not stored


def test_a_refused_save_changes_nothing_and_says_why(lib):
    aid = lib.create(ME, "T", "text")["id"]
    r = autosave.saved(lib, ME, 5.0, "x" * 10_000, "text", aid, None)
    assert r.save_status.startswith("**Not saved:**") and r.saved_upto == gr.skip()
    assert lib.get(ME, aid)["title"] == "T"


def test_the_api_refuses_a_save_based_on_an_old_version(lib):
    aid = lib.create(ME, "T", "one")["id"]
    base = lib.get(ME, aid)["version_id"]
    lib.save(ME, aid, "T", "two")
    with pytest.raises(StudioError, match="version"):
        api.saved(lib, ME, "T", "three", aid, base_version=base)
    assert lib.get(ME, aid)["body"] == "two"
    with pytest.raises(gr.Error, match="both are empty"):
        api.saved(lib, ME, "", " ", None)


def test_the_api_shows_dates_and_no_server_paths(lib, tmp_path):
    path = tmp_path / "p.png"
    Image.new("RGB", (4, 4)).save(path)
    aid = lib.create(ME, "T", "text")["id"]
    lib.attach_image(ME, aid, str(path))
    got = api.article(lib, ME, aid)
    assert "path" not in got["images"][0] and got["created"][:2] == "20"
    assert [a["id"] for a in api.listing(lib, ME)] == [aid]
    assert api.listing(lib, OTHER) == []


def test_a_reload_reopens_the_article_only_into_an_empty_write_tab(lib):
    ctx = SimpleNamespace(library=lib, jobs=SimpleNamespace(wait_written=lambda aid, timeout: None))
    aid = lib.create(ME, "Mine", "kept text")["id"]
    back = autosave.reopened(ctx, ME, aid, "", "", None)
    assert (back.draft, back.title, back.article_id) == ("kept text", "Mine", aid)
    assert autosave.reopened(ctx, ME, aid, "typing", "", None) is None
    assert autosave.reopened(ctx, OTHER, aid, "", "", None) is None  # not theirs
    lib.delete(ME, aid)
    assert autosave.reopened(ctx, ME, aid, "", "", None) is None


def test_the_owner_is_the_logged_in_user_or_local():
    ctx = SimpleNamespace(settings=SimpleNamespace(auth=None))
    assert store.owner_of(ctx, SimpleNamespace(username="ann")) == "ann"
    assert store.owner_of(ctx, None) == "local"
    with pytest.raises(StudioError, match="log in"):
        store.owner_of(SimpleNamespace(settings=SimpleNamespace(auth=[("a", "b")])), None)


# ---------------------------------------------------------------------- illustrate
def test_illustrate_reads_the_edited_prompt_table():
    props = illustrate.proposals_of([[1, "Intro", "a fox"], ["x", "Herbs", ""], [3, "Tomatoes"], None])
    assert [(p.section, p.heading, p.prompt) for p in props] == [(0, "Intro", "a fox"), (1, "Herbs", "")]
    with pytest.raises(InvalidInput, match="Propose prompts"):
        illustrate.check_request([], "dcgan-faces")
    with pytest.raises(InvalidInput, match="Choose an image model"):
        illustrate.check_request([[1, "Intro", "a fox"]], " ")


def test_illustrate_seed_and_messages():
    assert illustrate.seed_of(None) == -1 and illustrate.seed_of(7) == 7
    with pytest.raises(InvalidInput, match="seed"):
        illustrate.seed_of(2**32)
    assert illustrate.drawn_message(1, False, False) == ("Made 1 picture and placed them under their sections. "
                                                         "(The face GAN ignores prompts.)")
    assert illustrate.drawn_message(2, True, True) == "Stopped after 2 pictures; they were placed."
    rows, note = illustrate.proposal_rows([illustrate.Proposal(0, "Intro", "a fox")], gan=True)
    assert rows == [[1, "Intro", "a fox"]] and note.startswith("1 prompt proposed.") and "ignores prompts" in note


def test_pictures_drawn_for_another_article_are_not_placed(lib):
    aid = lib.create(ME, "T", "## Herbs\n\nBasil.")["id"]
    assert illustrate.placed(lib, ME, {"article_id": aid + 1, "placements": []}, "T", "x", aid, None) is None


# ---------------------------------------------------------------------- formatting
def test_save_messages_name_what_the_writer_must_know():
    assert formatting.save_message({}, 0).startswith("Saved ")
    assert "is in the trash" in formatting.save_message({"trashed": True}, 1.0)
    assert formatting.plural(1, "picture") == "1 picture" and formatting.plural(1200, "word") == "1,200 words"
    assert formatting.attached_message("") == ("Saved to the library, attached to your untitled draft "
                                               "(the text is unchanged).")
    assert formatting.diff_html("") == "<p><em>These two versions are the same.</em></p>"
