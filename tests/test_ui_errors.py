"""Errors in a tab never cover its outputs: ``reports_to`` turns an error into a toast and a line next to the
control, and changes no other output (Gradio would mark every output of a failed event with a red panel
that hides it, so a writer's draft looks deleted)."""

from __future__ import annotations

import gradio as gr
import pytest

from studio.errors import InvalidInput
from studio.ui.common import reports_to, ui_message

STATUS = object()  # stands for the status component: only its identity matters


@pytest.fixture(autouse=True)
def no_toasts(monkeypatch):
    shown = []
    monkeypatch.setattr(gr, "Warning", lambda msg, *a, **k: shown.append(msg))
    return shown


def test_a_failing_handler_updates_only_the_status(no_toasts):
    @reports_to(STATUS, {"prompt": "", "temperature": "Temperature"})
    def handler(value):
        raise InvalidInput("temperature", "must be from 0.0 to 2.0, not 5.")

    out = handler(5)
    assert out == {STATUS: "⚠️ Temperature: must be from 0.0 to 2.0, not 5."}  # nothing else is touched
    assert no_toasts == ["Temperature: must be from 0.0 to 2.0, not 5."]


def test_a_generator_keeps_what_it_streamed_and_reports_the_error(no_toasts):
    @reports_to(STATUS)
    def handler():
        yield "part one", 1
        raise gr.Error("The model failed while writing.")

    out = list(handler())
    assert out[0] == ("part one", 1, "")  # normal results clear the status line
    assert out[1] == {STATUS: "⚠️ The model failed while writing."}


def test_normal_results_pass_through_with_the_status_cleared():
    @reports_to(STATUS)
    def single():
        return "x"

    @reports_to(STATUS)
    def as_dict():
        return {"a": 1}

    assert single() == ("x", "")
    assert as_dict() == {"a": 1, STATUS: ""}


def test_closing_the_generator_closes_the_handler():
    closed = []

    @reports_to(STATUS)
    def handler():
        try:
            while True:
                yield ("tick",)
        finally:
            closed.append(True)

    gen = handler()
    next(gen)
    gen.close()  # what Gradio does when the tab goes away
    assert closed == [True]


def test_field_names_become_the_labels_the_writer_sees():
    assert ui_message(InvalidInput("prompt", "the topic is empty."), {"prompt": ""}) == "The topic is empty."
    assert ui_message(InvalidInput("seed", "must be -1 or 0..4294967295."), {"seed": "Seed"}) == \
        "Seed: must be -1 or 0..4294967295."
    # without a label the API name stays (API errors keep their field names)
    assert ui_message(InvalidInput("top_p", "must be from 0.01 to 1.0.")) == "top_p: must be from 0.01 to 1.0."


def test_a_reloaded_page_waits_for_the_interrupted_generation_to_save():
    """The job registry tells a reloaded page that a generation into its article is still ending, and
    remembers pages that went away (their generation saves what it streamed)."""
    import threading
    import time

    from studio.jobs import Jobs

    jobs = Jobs()
    assert jobs.wait_written(7, timeout=0) and jobs.wait_written(None, timeout=0)  # nothing runs: no wait
    saved = []

    def generation():
        with jobs.writing(7):
            time.sleep(0.3)
            saved.append("streamed text")

    t = threading.Thread(target=generation)
    t.start()
    time.sleep(0.05)
    assert jobs.wait_written(7, timeout=30) and saved == ["streamed text"]
    t.join()
    event = jobs.start("s1", "write")
    assert not jobs.is_gone("s1")
    assert jobs.stop("s1", gone=True) == 1 and event.is_set() and jobs.is_gone("s1") and not jobs.is_gone("s2")
