"""Studio's OpenAI-compatible API, under ``/v1``: models, chat and text completions (streamed as
server-sent events or not), picture generation and edits. Bodies and answers follow OpenAI's API
reference; errors are ``{"error": {"message", "type", "param", "code"}}`` naming the field."""

from __future__ import annotations

import json
import secrets
import threading
import time
from typing import cast

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from ..errors import InvalidInput, ModelUnavailable
from . import pictures, speech
from .base import ApiError, Caller, api_error, caller, error_body, json_body

VOICE_MARK = "+voice:"
IMAGE_FIELDS = {"num_images": "n", "width": "size", "height": "size", "mask_image": "mask"}
_END = object()


def renamed(exc: BaseException, names: dict[str, str]) -> BaseException:
    """``exc`` with its field given the API's name (``num_images`` → ``n``)."""
    field = getattr(exc, "field", None)
    if isinstance(exc, InvalidInput) and field in names:
        rest = exc.message[len(field) + 1:].strip() if exc.message.startswith(f"{field}:") else exc.message
        return InvalidInput(names[field], rest)
    return exc


async def run_watched(request: Request, fn, stop: threading.Event):
    """``fn()`` in a worker thread; ``stop`` is set when the caller hangs up, so the engine ends early."""
    async def watch():
        while not stop.is_set():
            if await request.is_disconnected():
                stop.set()
                return
            await anyio.sleep(0.25)

    outcome: list = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(watch)
        try:
            outcome.append(await run_in_threadpool(fn))
        except Exception as exc:  # noqa: BLE001 - raised below, outside the task group (not as a group)
            outcome.append(exc)
        tg.cancel_scope.cancel()
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


# ----- models ---------------------------------------------------------------------------------
def text_models(ctx, who: Caller) -> list[str]:
    """Text models the caller can name: the studio's, then each of the caller's voices as
    ``<base model>+voice:<voice name>``."""
    names = list(ctx.text.offered())
    for rec in ctx.text.voices.list(who.owner):
        names.append(f"{rec['base_model']['ref']}{VOICE_MARK}{rec['name']}")
    return names


def text_model(ctx, who: Caller, name) -> tuple[str, str]:
    """``(model, voice)`` for the request's ``model``. Raises ModelUnavailable naming the models."""
    if name is not None and not isinstance(name, str):
        raise InvalidInput("model", "must be a model name, not {user_v}.", user_v=type(name).__name__)
    name = (name or ctx.settings.text_model).strip()
    model, _, voice = name.partition(VOICE_MARK)
    if voice:
        ctx.text.voices.get(who.owner, voice)  # InvalidInput(voice) naming the caller's voices
        return model, voice
    if model in ctx.text.offered() or ctx.text.is_loaded(model):
        return model, ""
    raise ModelUnavailable("model: Studio has no text model '{m}'. Its models: {l}.", field="model", m=model,
                           l=", ".join(text_models(ctx, who)))


def model_list(ctx, who: Caller) -> dict:
    rows = [(m, "text") for m in text_models(ctx, who)] + [(m, "image") for m in pictures.picture_models(ctx)]
    rows += [(m, "speech") for m in speech.speech_models(ctx)]
    return {"object": "list", "data": [{"id": m, "object": "model", "created": 0, "owned_by": "studio",
                                        "kind": kind} for m, kind in rows]}


# ----- text -----------------------------------------------------------------------------------
def _chunk(cid: str, model: str, chat: bool, text: str | None, finish: str | None, role: bool = False) -> dict:
    if chat:
        delta = ({"role": "assistant", "content": ""} if role else {}) | ({"content": text} if text else {})
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
    else:
        choice = {"index": 0, "text": text or "", "finish_reason": finish, "logprobs": None}
    return {"id": cid, "object": "chat.completion.chunk" if chat else "text_completion", "created": int(time.time()),
            "model": model, "choices": [choice]}


def _usage(run) -> dict:
    return {"prompt_tokens": run.prompt_tokens, "completion_tokens": run.completion_tokens,
            "total_tokens": run.prompt_tokens + run.completion_tokens}


def _finish(run) -> str:
    return "stop" if run.finish_reason == "cancelled" else run.finish_reason


async def _events(pieces, run, cid: str, model: str, chat: bool, usage: bool, stop: threading.Event):
    """The server-sent events of a streamed reply, ending with ``data: [DONE]``."""
    def send(obj) -> str:
        return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

    it = iter(pieces)
    try:
        if chat:
            yield send(_chunk(cid, model, chat, None, None, role=True))
        while (piece := await run_in_threadpool(next, it, _END)) is not _END:
            yield send(_chunk(cid, model, chat, cast(str, piece), None))
        yield send(_chunk(cid, model, chat, None, _finish(run)))
        if usage:
            yield send({"id": cid, "object": "chat.completion.chunk" if chat else "text_completion",
                        "created": int(time.time()), "model": model, "choices": [], "usage": _usage(run)})
    except Exception as exc:  # noqa: BLE001 - the stream has begun: the error is the last event
        err = api_error(exc)
        yield send(error_body(err.message, err.type, err.param, err.code))
    finally:
        stop.set()  # the caller hung up, or the reply is done: either way the model stops
    yield "data: [DONE]\n\n"


async def text_reply(ctx, request: Request, chat: bool):
    """``/v1/chat/completions`` (``chat``) or ``/v1/completions``."""
    from ..text.chat import open_text

    who = caller(ctx, request)
    body = await json_body(request)
    model_name = body.get("model") or ctx.settings.text_model
    model, voice = text_model(ctx, who, body.get("model"))
    stop = threading.Event()
    run, pieces = await run_in_threadpool(
        lambda: open_text(ctx.text, body, chat=chat, model=model, voice=voice, owner=who.owner, stop=stop))
    cid = ("chatcmpl-" if chat else "cmpl-") + secrets.token_hex(12)
    if body.get("stream"):
        usage = bool((body.get("stream_options") or {}).get("include_usage"))
        return StreamingResponse(_events(pieces, run, cid, model_name, chat, usage, stop),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})
    text = await run_watched(request, lambda: "".join(pieces), stop)
    if chat:
        choice = {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": _finish(run),
                  "logprobs": None}
    else:
        choice = {"index": 0, "text": text, "finish_reason": _finish(run), "logprobs": None}
    return {"id": cid, "object": "chat.completion" if chat else "text_completion", "created": int(time.time()),
            "model": model_name, "choices": [choice], "usage": _usage(run), "system_fingerprint": f"seed-{run.seed}"}


# ----- pictures -------------------------------------------------------------------------------
def _check_format(value) -> None:
    if value not in (None, "b64_json"):
        raise InvalidInput("response_format", "must be b64_json (Studio answers with the pictures themselves), "
                                              "not {user_v}.", user_v=repr(value))


def images_answer(paths, params, seed: int) -> dict:
    return {"created": int(time.time()), "seed": seed,
            "data": [{"b64_json": pictures.b64(data), "revised_prompt": prm.get("prompt", "")}
                     for data, prm in zip(pictures.png_bytes(paths), params, strict=False)]}


async def images_generations(ctx, request: Request):
    who = caller(ctx, request)
    body = await json_body(request)
    _check_format(body.get("response_format"))
    stop = threading.Event()
    fields = ("prompt", "negative_prompt", "model", "size", "n", "num_inference_steps", "guidance_scale", "seed")
    kwargs = {k: body[k] for k in fields if body.get(k) is not None}
    try:
        paths, params, seed = await run_watched(
            request, lambda: pictures.generate(ctx, who, stop=stop, **kwargs), stop)
    except Exception as exc:  # noqa: BLE001
        raise renamed(exc, IMAGE_FIELDS) from exc
    return images_answer(paths, params, seed)


async def _form_file(form, name: str, required: bool) -> bytes | None:
    items = form.getlist(name) or form.getlist(f"{name}[]")
    if not items:
        if required:
            raise InvalidInput(name, "is missing: send the picture as a file in a multipart form.")
        return None
    if len(items) > 1:
        raise InvalidInput(name, "holds {n} pictures; Studio edits one at a time.", n=len(items))
    item = items[0]
    return await item.read() if hasattr(item, "read") else pictures.decode_b64(item, name)


def _number(form, name: str, kind=float):
    value = form.get(name)
    if value in (None, ""):
        return None
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(name, "must be a number, not {user_v}.", user_v=repr(value)) from None


async def images_edits(ctx, request: Request):
    who = caller(ctx, request)
    try:
        form = await request.form(max_files=4, max_fields=100, max_part_size=ctx.settings.max_upload_mb * 2**20)
    except Exception as exc:  # noqa: BLE001 - not a multipart form
        raise ApiError(400, f"/v1/images/edits takes a multipart form (image, mask, prompt...): {exc}") from None
    _check_format(form.get("response_format"))
    image = await _form_file(form, "image", True)
    assert image is not None  # required: _form_file refused a missing one
    mask = pictures.openai_mask(await _form_file(form, "mask", False))
    kwargs = {"prompt": form.get("prompt") or "", "negative_prompt": form.get("negative_prompt") or "",
              "model": form.get("model") or None, "n": _number(form, "n", int) or 1,
              "strength": _number(form, "strength"), "num_inference_steps": _number(form, "num_inference_steps", int),
              "guidance_scale": _number(form, "guidance_scale"), "seed": _number(form, "seed", int)}
    stop = threading.Event()
    try:
        paths, params, seed = await run_watched(
            request, lambda: pictures.edit(ctx, who, image=image, mask=mask, stop=stop, **kwargs), stop)
    except Exception as exc:  # noqa: BLE001
        raise renamed(exc, IMAGE_FIELDS) from exc
    return images_answer(paths, params, seed)


def router(ctx) -> APIRouter:
    r = APIRouter(prefix="/v1")

    @r.get("/models")
    async def models(request: Request):
        who = caller(ctx, request)
        return await run_in_threadpool(model_list, ctx, who)

    @r.get("/models/{name:path}")
    async def one_model(name: str, request: Request):
        who = caller(ctx, request)
        for row in (await run_in_threadpool(model_list, ctx, who))["data"]:
            if row["id"] == name:
                return row
        raise ApiError(404, f"Studio has no model '{name}'. GET /v1/models lists them.", param="model",
                       code="model_not_found")

    @r.post("/chat/completions")
    async def chat_completions(request: Request):
        return await text_reply(ctx, request, chat=True)

    @r.post("/completions")
    async def completions(request: Request):
        return await text_reply(ctx, request, chat=False)

    @r.post("/images/generations")
    async def generations(request: Request):
        return await images_generations(ctx, request)

    @r.post("/images/edits")
    async def edits(request: Request):
        return await images_edits(ctx, request)

    @r.post("/audio/speech")
    async def audio_speech(request: Request):
        return await speech.audio_speech(ctx, request, run_watched)

    return r


__all__ = ["router", "JSONResponse"]
