"""Listen: the controls that read text aloud (the Write tab's draft or selection, a Library article), and
the ``/speak`` API. The speech engine decides everything (:mod:`studio.speech`); this module shows a
player that starts after the first sentence, the progress (sentence N of M, time left) and Stop."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gradio as gr

from ..errors import Cancelled
from ..export.media import spoken_file
from ..messages import Message
from ..speech.media import ffmpeg_on_path
from .common import guard, reports_to, session_id, stop_event
from .i18n import Verbatim

JOB = "speech"


@dataclasses.dataclass
class ListenUI:
    voice: Any
    speed: Any
    pause: Any
    listen_btn: Any
    stop_btn: Any
    player: Any
    progress: Any
    status: Any


def voice_choices(voices: list[str]) -> list[tuple[str, str]]:
    """``(label, reference)`` of each voice: a voice downloaded from the Hub (``org/repo:path/NAME.onnx``)
    shows as ``NAME (org/repo)``; other references show as they are."""
    out: list[tuple[str, str]] = []
    for ref in voices:
        repo, _, file = ref.partition(":")
        hub = file.endswith(".onnx") and "/" in repo and not repo.startswith((".", "/", "~"))
        out.append((Verbatim(f"{Path(file).stem} ({repo})" if hub else ref), ref))  # names: never translated
    return out


def build(voices: list[str], prefix: str) -> ListenUI:
    """The Listen controls, inside the current layout: ``voices`` offered (``ctx.speech.offered()``);
    ``prefix`` makes their element ids (``write-listen``)."""
    ffmpeg_on_path()  # the streaming player needs an ffmpeg; the bundled one serves
    with gr.Row():
        voice = gr.Dropdown(voice_choices(voices), value=voices[0] if voices else "", label="Speaking voice", allow_custom_value=True,
                            elem_id=f"{prefix}-listen-voice", min_width=160)
        speed = gr.Slider(0.5, 2.0, value=1.0, step=0.05, label="Speed", elem_id=f"{prefix}-listen-speed",
                          info="1 is the voice's own pace (Piper's length_scale is its inverse).")
        pause = gr.Slider(0.0, 3.0, value=0.8, step=0.1, label="Pause between sections (s)",
                          elem_id=f"{prefix}-listen-pause")
    with gr.Row():
        listen_btn = gr.Button("Listen", variant="primary", elem_id=f"{prefix}-listen")
        stop_btn = gr.Button("Stop listening", variant="stop", elem_id=f"{prefix}-listen-stop")
    player = gr.Audio(label="Player", streaming=True, autoplay=True, interactive=False, elem_id=f"{prefix}-player")
    progress = gr.Markdown("", elem_classes="studio-note", elem_id=f"{prefix}-listen-progress")
    status = gr.Markdown("", elem_classes="studio-note", elem_id=f"{prefix}-listen-status")
    return ListenUI(voice, speed, pause, listen_btn, stop_btn, player, progress, status)


def progress_line(index: int, total: int, seconds_so_far: float) -> Message:
    """"Sentence 3 of 40 · about 2 min left" (time left from the mean length of the sentences so far)."""
    left = (total - index) * seconds_so_far / max(1, index)
    if index >= total:
        return Message("Sentence {i} of {n}", i=index, n=total)
    if left < 90:
        return Message("Sentence {i} of {n} · about {t} s left", i=index, n=total, t=round(left))
    return Message("Sentence {i} of {n} · about {t} min left", i=index, n=total, t=round(left / 60))


def speak_stream(ctx, request, text: str, voice: str, speed: float, pause: float, title: str = ""):
    """Yield ``(audio chunk, progress line)`` per sentence as it is spoken; Stop ends it within one sentence."""
    script = ctx.speech.prepare(text, voice, speed, pause, title=title)
    so_far, stopped = 0.0, False
    with stop_event(ctx, request, JOB) as stop:
        try:
            for u in ctx.speech.stream(script, stop):
                so_far += u.seconds
                yield (u.sample_rate, u.audio), progress_line(u.index, u.total, so_far)
        except Cancelled:
            stopped = True
    yield gr.skip(), Message("Stopped.") if stopped else Message("Done: {n} sentences.", n=script.total)


def connect(ctx, ui: ListenUI, inputs: list, text_of: Callable) -> None:
    """Listen reads ``text_of(*input values, request) -> (text, title)``; Stop stops this session's speech."""
    n = len(inputs)  # one to three inputs (the Library: the article id; the Write tab: draft, selection, title)

    @reports_to(ui.status)
    def listen(voice, speed, pause, first=None, second=None, third=None, request: gr.Request | None = None):
        text, title = text_of(*(first, second, third)[:n], request=request)
        yield from speak_stream(ctx, request, text, voice, speed, pause, title)

    ui.listen_btn.click(listen, [ui.voice, ui.speed, ui.pause, *inputs], [ui.player, ui.progress, ui.status],
                        concurrency_id=JOB, api_visibility="private")
    def stop(request: gr.Request):
        ctx.jobs.stop(session_id(request), JOB)

    ui.stop_btn.click(stop, None, None, queue=False, api_visibility="private")

    def offer(current):
        """The voices again when the list is opened: one downloaded in the Models tab meanwhile is there."""
        return gr.update(choices=voice_choices(ctx.speech.offered()), value=current)

    ui.voice.focus(offer, ui.voice, ui.voice, queue=False, api_visibility="private")


def speak_file(ctx, text: str, voice: str = "", speed: float = 1.0, fmt: str = "wav", title: str = "",
               stop=None) -> Path:
    """``text`` spoken into a WAV or MP3 file in a fresh private export folder; returns its path."""
    return spoken_file(ctx.speech, text, voice, speed, fmt, title, stop)


def register_api(ctx) -> None:
    """The ``/speak`` endpoint."""

    @guard
    def speak(text: str, voice: str = "", speed: float = 1.0, format: str = "wav",  # noqa: A002 - API name
              request: gr.Request | None = None) -> str:
        """Read `text` (Markdown or plain) aloud with `voice` ("" = the default Piper voice) at `speed` (0.5 to 2;
        1 = the voice's pace) and return the audio file, `format` "wav" or "mp3"."""
        from ..validate import check_choice

        fmt = check_choice("format", format, ("wav", "mp3"))
        with stop_event(ctx, request, JOB + "-api") as stop:
            return str(speak_file(ctx, text, voice, speed, fmt, stop=stop))

    gr.api(speak, api_name="speak", concurrency_id=JOB)
