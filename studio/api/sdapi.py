"""AUTOMATIC1111's web UI API, the part picture tools use: ``POST /sdapi/v1/txt2img``,
``POST /sdapi/v1/img2img`` (with ``mask``: inpainting) and ``GET /sdapi/v1/sd-models``.

A1111 names map to Studio's: ``steps`` → ``num_inference_steps``, ``cfg_scale`` → ``guidance_scale``,
``batch_size × n_iter`` pictures, ``denoising_strength`` → ``strength``, the model from
``override_settings.sd_model_checkpoint`` (default: ``--image-model``; for img2img
``--diffusion-model``). Samplers are A1111's own and are not applied: the model's scheduler runs.
Answers carry base64 PNGs (with their ``parameters`` text) and ``info`` as a JSON string."""

from __future__ import annotations

import json
import threading

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from ..errors import InvalidInput
from ..image.metadata import a1111_parameters
from . import pictures
from .base import caller, json_body
from .openai_routes import renamed, run_watched

A1111_FIELDS = {"num_images": "batch_size", "n": "batch_size", "num_inference_steps": "steps",
                "guidance_scale": "cfg_scale", "strength": "denoising_strength", "mask_image": "mask",
                "image": "init_images"}


def _model(body: dict) -> str | None:
    over = body.get("override_settings") or {}
    return (over.get("sd_model_checkpoint") if isinstance(over, dict) else None) or body.get("model") or None


def _count(body: dict) -> int:
    from ..validate import check_int

    return check_int("batch_size", body.get("batch_size") or 1, 1, 64) * check_int("n_iter", body.get("n_iter") or 1,
                                                                                      1, 64)


def _answer(body: dict, paths, params, seed: int) -> dict:
    texts = [a1111_parameters(p) for p in params]
    info = {"prompt": body.get("prompt", ""), "negative_prompt": body.get("negative_prompt", ""), "seed": seed,
            "all_seeds": [p.get("seed", seed) for p in params], "infotexts": texts,
            "sd_model_name": params[0].get("model", "") if params else ""}
    return {"images": [pictures.b64(b) for b in pictures.png_bytes(paths)],
            "parameters": {k: v for k, v in body.items() if k not in ("init_images", "mask")},
            "info": json.dumps(info, ensure_ascii=False)}


async def txt2img(ctx, request: Request):
    who = caller(ctx, request)
    body = await json_body(request)
    kwargs = dict(prompt=body.get("prompt") or "", negative_prompt=body.get("negative_prompt") or "",
                  model=_model(body), width=body.get("width") or 512, height=body.get("height") or 512,
                  num_inference_steps=body.get("steps"), guidance_scale=body.get("cfg_scale"),
                  seed=body.get("seed", -1))
    stop = threading.Event()
    try:
        n = _count(body)
        paths, params, seed = await run_watched(request, lambda: pictures.generate(ctx, who, n=n, stop=stop,
                                                                                   **kwargs), stop)
    except Exception as exc:  # noqa: BLE001
        raise renamed(exc, A1111_FIELDS) from exc
    return _answer(body, paths, params, seed)


async def img2img(ctx, request: Request):
    who = caller(ctx, request)
    body = await json_body(request)
    images = body.get("init_images")
    if not isinstance(images, list) or len(images) != 1:
        raise InvalidInput("init_images", "must be a list of one base64 picture.")
    image = pictures.decode_b64(images[0], "init_images")
    mask = pictures.decode_b64(body["mask"], "mask") if body.get("mask") else None
    if mask is not None and body.get("inpainting_mask_invert"):
        raise InvalidInput("inpainting_mask_invert", "must be 0: Studio fills the white part of the mask.")
    stop = threading.Event()
    kwargs = dict(prompt=body.get("prompt") or "", negative_prompt=body.get("negative_prompt") or "",
                  model=_model(body), strength=body.get("denoising_strength"), num_inference_steps=body.get("steps"),
                  guidance_scale=body.get("cfg_scale"), seed=body.get("seed", -1),
                  mask_blur=body.get("mask_blur") or 0)
    try:
        n = _count(body)
        paths, params, seed = await run_watched(
            request, lambda: pictures.edit(ctx, who, image=image, mask=mask, n=n, stop=stop, **kwargs), stop)
    except Exception as exc:  # noqa: BLE001
        raise renamed(exc, A1111_FIELDS) from exc
    return _answer(body, paths, params, seed)


def sd_models(ctx) -> list[dict]:
    return [{"title": m, "model_name": m, "hash": None, "sha256": None, "filename": m, "config": None}
            for m in pictures.picture_models(ctx)]


def router(ctx) -> APIRouter:
    r = APIRouter(prefix="/sdapi/v1")

    @r.post("/txt2img")
    async def _txt2img(request: Request):
        return await txt2img(ctx, request)

    @r.post("/img2img")
    async def _img2img(request: Request):
        return await img2img(ctx, request)

    @r.get("/sd-models")
    async def _sd_models(request: Request):
        caller(ctx, request)
        return await run_in_threadpool(sd_models, ctx)

    @r.get("/scripts")
    async def _scripts(request: Request):  # A1111 clients ask which extensions exist: none
        caller(ctx, request)
        return {"txt2img": [], "img2img": []}

    return r
