"""The Write tab's handler logic as plain functions (studio/ui/drafting.py): which request a click sends
and where the generated text lands in the draft. No model, no server."""

from __future__ import annotations

import gradio as gr
import pytest

from studio.text.engine import MAX_DRAFT_CHARS, WriteRequest
from studio.ui import drafting
from studio.ui.write_tab import undone

FORM = dict(task="article", prompt="Urban gardens", tone="friendly", length_words=400, temperature=0.7, top_p=0.9,
            top_k=40, repetition_penalty=1.1, max_new_tokens=1024, seed=None, audience=None, keywords="balcony",
            outline=None, model=None, voice=None)


def test_the_form_becomes_a_request_with_named_values():
    req = drafting.write_request(**FORM)
    assert (req.task, req.prompt, req.tone, req.keywords) == ("article", "Urban gardens", "friendly", "balcony")
    assert req.seed == -1 and req.audience == "" and req.outline == "" and req.model == "" and req.voice == ""


def test_continue_reads_the_draft_and_writes_at_most_600_words():
    req = drafting.continue_request("My draft.", **{**FORM, "length_words": 2000})
    assert (req.task, req.prompt, req.length_words) == ("continue", "My draft.", 600)
    with pytest.raises(gr.Error, match="The draft is empty"):
        drafting.continue_request("  ", **FORM)


def test_a_rewrite_of_the_selection_keeps_the_text_around_it():
    base = "Keep this. Rewrite me. Keep that."
    sel = (11, 22, "Rewrite me.")
    p = drafting.plan(WriteRequest(task="rewrite", prompt=""), base, sel)
    assert p.request.prompt == "Rewrite me." and p.splice == sel
    out = drafting.draft_after("rewrite", base, p.request.prompt, p.splice, "New words.")
    assert out == "Keep this. New words. Keep that."


def test_a_stale_selection_rewrites_the_whole_draft():
    base = "The draft changed since the selection."
    p = drafting.plan(WriteRequest(prompt="", task="rewrite"), base, (0, 5, "Other"))
    assert p.request.prompt == base and p.splice is None
    assert drafting.draft_after("rewrite", base, base, None, "All new.") == "All new."


def test_a_summary_and_a_new_piece_are_added_after_the_draft():
    p = drafting.plan(WriteRequest(prompt="", task="summarize"), "Long text here.", None)
    assert drafting.draft_after("summarize", p.base, p.request.prompt, p.splice, "Short.") == "Long text here.\n\nShort."
    assert drafting.draft_after("headlines", "My article.", "topic", None, "1. A") == "My article.\n\n---\n\n1. A"
    assert drafting.draft_after("article", "", "topic", None, "# Title") == "# Title"


def test_continue_carries_on_from_the_end_of_a_long_draft():
    base = "x" * (MAX_DRAFT_CHARS + 10)
    p = drafting.plan(WriteRequest(prompt="", task="continue"), base)
    assert len(p.request.prompt) == MAX_DRAFT_CHARS and "read only its last" in p.notes[0]
    out = drafting.draft_after("continue", base, p.request.prompt, None, "x" * MAX_DRAFT_CHARS + " and more")
    assert out == base + " and more"


def test_draft_tasks_refuse_an_empty_or_too_long_text_before_anything_changes():
    with pytest.raises(gr.Error, match="The draft is empty"):
        drafting.plan(WriteRequest(prompt="", task="rewrite"), "   ")
    with pytest.raises(gr.Error, match="Select a part of the draft to summarize it"):
        drafting.plan(WriteRequest(prompt="", task="summarize"), "y" * (MAX_DRAFT_CHARS + 1))


def test_picking_a_task_fits_the_form_to_it():
    help_line, topic = drafting.task_view("rewrite")
    assert "selected text" in help_line["value"] and topic["visible"] is False
    _help, product = drafting.task_view("ad_copy")
    assert product["visible"] and product["label"] == "Product"
    length, *sampling = drafting.task_defaults("product_description")
    assert length == 120 and len(sampling) == 4


def test_settings_kept_in_the_browser_come_back_unless_no_longer_valid():
    values = drafting.restored_settings({"task": "poem", "prompt": "Gardens", "seed": None})
    as_dict = dict(zip(drafting.KEPT_KEYS, values, strict=False))
    assert as_dict["prompt"] == "Gardens"
    assert as_dict["task"] == gr.skip() and as_dict["seed"] == gr.skip()  # an unknown task, a missing seed
    assert all(v == gr.skip() for v in drafting.restored_settings("not a dict"))


def test_a_selection_in_the_draft_is_remembered_only_with_text():
    assert drafting.selection_of([3, 8], "hello") == (3, 8, "hello")
    assert drafting.selection_of([3, 3], "") is None and drafting.selection_of(None, "x") is None


def test_undo_brings_back_the_draft_before_the_generation():
    draft, nothing_left, stats = undone("Before.")
    assert draft == "Before." and nothing_left is None and stats.startswith("**1** word in")
    with pytest.raises(gr.Error, match="no generation to undo"):
        undone(None)


def test_an_error_in_the_draft_names_the_draft_not_the_topic():
    """Continue, Rewrite, Summarise… work on the draft (the API's ``prompt``): an invisible control character
    in it (the full alice29.txt ends with one) must send the writer to the Draft (QA, fresh clone)."""
    import pytest

    from studio.errors import InvalidInput
    from studio.text.engine import WriteRequest
    from studio.ui.common import ui_message
    from studio.ui.write_tab import LABELS, _validated_naming_the_draft

    with pytest.raises(InvalidInput) as err:
        _validated_naming_the_draft(WriteRequest("Once upon a time\x1a", task="continue"))
    assert ui_message(err.value, LABELS) == "Draft: contains a control character (code 26). Remove it."
    with pytest.raises(InvalidInput) as err:
        _validated_naming_the_draft(WriteRequest("Rain\x1a", task="article"))
    assert ui_message(err.value, LABELS).startswith("Topic: contains a control character")


def test_a_refused_save_names_the_draft_as_the_writer_sees_it():
    from studio.errors import InvalidInput
    from studio.ui.common import ui_message
    from studio.ui.library.autosave import SAVE_LABELS

    msg = ui_message(InvalidInput("body", "contains a control character (code 26). Remove it."), SAVE_LABELS)
    assert msg == "Draft: contains a control character (code 26). Remove it."


def test_the_draft_gets_a_streamed_reply_at_a_steady_rate_and_whole_at_the_end(monkeypatch):
    from studio.text.engine import WriteEvent
    from studio.ui import write_tab

    monkeypatch.setattr(write_tab, "UPDATE_INTERVAL_S", 3600)  # a reply that comes all at once
    text = ""
    events = [WriteEvent(text="", status="Waiting for the model…")]
    for word in ("One ", "two ", "three ", "four."):
        text += word
        events.append(WriteEvent(text=text, delta=word, status="Writing…"))
    events.append(WriteEvent(text=text, status="Done", done=True))
    shown = list(write_tab._paced(iter(events)))
    # a new status shows at once; the tokens in between arrive together with the next update
    assert [ev.text for ev in shown] == ["", "One ", "One two three four."]
    assert shown[-1].done
