"""``POST /v1/audio/speech`` (OpenAI's speech API): a text read aloud by one of Studio's Piper voices,
answered as the audio file itself (WAV or MP3, with Content Credentials)."""

from __future__ import annotations

import threading
from pathlib import Path

from fastapi import Request
from fastapi.responses import Response

from ..errors import InvalidInput, ModelUnavailable
from ..messages import Message
from .base import caller, json_body

FORMATS = {"mp3": "audio/mpeg", "wav": "audio/wav"}


def speech_models(ctx) -> list[str]:
    """The voices a caller can name as ``model`` or ``voice``."""
    return ctx.speech.offered()


def pick_voice(ctx, model, voice) -> str:
    """The Piper voice a request names: ``voice`` when it is one of Studio's voices, else ``model`` (OpenAI
    clients send a voice such as ``alloy`` that only their own service has).

    Raises:
        ModelUnavailable: neither names a voice Studio has (the message lists them).
    """
    voices = speech_models(ctx)
    for name in (voice, model):
        if isinstance(name, str) and name in voices:
            return name
    asked = ", ".join(repr(n) for n in (model, voice) if n)
    raise ModelUnavailable("model: Studio has no voice {user_v}. Name one of its voices as the "
                           "model (or the voice): {l}.", field="model", user_v=asked or Message("(none given)"),
                           l=", ".join(voices))


def speak(ctx, body: dict, stop: threading.Event) -> tuple[bytes, str]:
    """The audio bytes and MIME type of the request ``body`` (checked here, then by the speech engine)."""
    from ..export.media import spoken_file

    text = body.get("input")
    if not isinstance(text, str):
        raise InvalidInput("input", "is missing: send the text to read aloud as 'input'.")
    fmt = body.get("response_format") or "mp3"
    if fmt not in FORMATS:
        raise InvalidInput("response_format", "must be one of {c}, not {user_v}.", c=", ".join(FORMATS),
                           user_v=repr(fmt))
    speed = body.get("speed", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)):
        raise InvalidInput("speed", "must be a number from {a} to {b}, not {user_v}.", a=0.5, b=2.0,
                           user_v=repr(speed))
    voice = pick_voice(ctx, body.get("model"), body.get("voice"))
    path = Path(spoken_file(ctx.speech, text, voice, float(speed), fmt, stop=stop))
    try:
        return path.read_bytes(), FORMATS[fmt]
    finally:
        path.unlink(missing_ok=True)
        path.with_suffix(".vtt").unlink(missing_ok=True)


async def audio_speech(ctx, request: Request, run_watched) -> Response:
    caller(ctx, request)  # with --auth, a key is needed
    body = await json_body(request)
    stop = threading.Event()
    data, mime = await run_watched(request, lambda: speak(ctx, body, stop), stop)
    return Response(content=data, media_type=mime)
