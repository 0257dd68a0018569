"""The Voice tab's handler logic as plain functions (no training, no server)."""

from __future__ import annotations

from studio.ui import voice_tab
from studio.voice.train import VoiceSettings

RECORD = {"name": "My <blog>", "improvement_percent": 12.4, "steps_done": 40, "stopped": True, "words": 900,
          "base_model": {"ref": "smollm2-135m-instruct"}, "created": 0, "id": "v1",
          "perplexity_before": 30.0, "perplexity_after": 26.3}


def test_the_voices_table_says_how_much_better_each_predicts():
    worse = {**RECORD, "name": "Other", "improvement_percent": -3.0, "stopped": False}
    rows = voice_tab.voice_rows([RECORD, worse])
    assert rows[0][:5] == ["My <blog>", "12% better", "40 (stopped)", 900, "smollm2-135m-instruct"]
    assert rows[1][1:3] == ["3% worse", "40"]


def test_articles_are_offered_with_their_length():
    arts = [{"id": 4, "title": "", "words": 1200}, {"id": 5, "title": "Herbs", "words": 3}]
    assert voice_tab.article_choices_of(arts) == [("Untitled (1,200 words)", 4), ("Herbs (3 words)", 5)]


def test_the_ready_line_escapes_the_name_and_says_it_was_stopped():
    line = voice_tab.ready_message(RECORD)
    assert line.startswith("**Voice “My &lt;blog&gt;” is ready.**")
    assert "Stopped after 40 steps; what was learnt so far is kept." in line and line.endswith("Write tab.")


def test_the_plan_names_the_settings_picked_for_the_text():
    assert voice_tab._settings_md(0, VoiceSettings()).startswith("Choose articles or files")
    assert voice_tab._settings_md(5000, VoiceSettings(steps=12)).startswith("For **5,000 words**: **12 steps**")


def test_a_deleted_voice_does_not_stay_selected_in_the_write_tab():
    from studio.ui.voice_tab import kept_choice

    offered = [("No voice", ""), ("Carroll", "abc123")]
    assert kept_choice("abc123", offered) == "abc123"
    assert kept_choice("gone99", offered) == "", "a voice no longer offered falls back to No voice"
    assert kept_choice(None, offered) == ""
