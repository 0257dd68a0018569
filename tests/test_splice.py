"""A rewrite of a selected part of the draft goes back in its place without a doubled full stop
(studio/text/splice.py), on fixed strings."""

from __future__ import annotations

import pytest

from studio.text.splice import fit_rewrite, splice_rewrite

DRAFT = "Hey folks. We moved the meeting to Thursday. Bring your updates."


def _select(draft: str, part: str) -> tuple[int, int]:
    start = draft.index(part)
    return start, start + len(part)


def test_a_sentence_selected_without_its_full_stop_does_not_end_with_two():
    start, end = _select(DRAFT, "We moved the meeting to Thursday")
    out = splice_rewrite(DRAFT, start, end, "The meeting has been moved to Thursday.")
    assert out == "Hey folks. The meeting has been moved to Thursday. Bring your updates."
    assert ".." not in out


def test_a_sentence_selected_with_its_full_stop_keeps_one():
    start, end = _select(DRAFT, "We moved the meeting to Thursday.")
    out = splice_rewrite(DRAFT, start, end, "The meeting has been moved to Thursday.")
    assert out == "Hey folks. The meeting has been moved to Thursday. Bring your updates."


def test_a_rewrite_that_itself_ends_with_two_full_stops_gets_one_but_an_ellipsis_stays():
    start, end = _select(DRAFT, "We moved the meeting to Thursday.")
    assert splice_rewrite(DRAFT, start, end, "The meeting is now on Thursday..") == \
        "Hey folks. The meeting is now on Thursday. Bring your updates."
    assert fit_rewrite("And then...", "and then", "") == "And then..."


def test_a_phrase_inside_a_sentence_gets_no_stray_full_stop():
    draft = "We moved the meeting cuz half of you are out, so bring updates."
    start, end = _select(draft, "cuz half of you are out")
    out = splice_rewrite(draft, start, end, "because many of you are away.")
    assert out == "We moved the meeting because many of you are away, so bring updates."


def test_the_spaces_around_the_selection_are_kept():
    draft = "First line.\n  We moved it to Thursday. \nLast line."
    start, end = _select(draft, "  We moved it to Thursday. ")
    assert splice_rewrite(draft, start, end, "It is now on Thursday.\n") == \
        "First line.\n  It is now on Thursday. \nLast line."


def test_the_last_sentence_of_the_draft_keeps_its_full_stop():
    draft = "Bring your updates"
    assert splice_rewrite(draft, 0, len(draft), "Please bring your updates.") == "Please bring your updates."


def test_a_selection_outside_the_draft_is_refused():
    with pytest.raises(ValueError):
        splice_rewrite("short", 2, 10, "x")
