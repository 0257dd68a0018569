"""Studio's HTTP API for other tools, on Studio's own port: the OpenAI API under ``/v1``
(:mod:`.openai_routes`) and AUTOMATIC1111's under ``/sdapi/v1`` (:mod:`.sdapi`).

They run through the engines (``ctx.text``, ``ctx.images``, ``ctx.diffusion``, ``ctx.repair``), so
API callers and writers in the browser share the engines' device lock. With ``--auth`` every call
needs an API key (:mod:`studio.api_keys`, :func:`.base.caller`), and what it makes goes to the
key's user.

:class:`ApiRoutes` is an ASGI middleware given to Gradio's FastAPI app (``launch(app_kwargs=...)``):
requests under ``/v1/`` and ``/sdapi/`` go to this API's own FastAPI app before any of Gradio's
routes can see them; everything else goes on to Gradio.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError

from ..errors import StudioError
from .base import ApiError, api_error

PREFIXES = ("/v1/", "/sdapi/")


def build_app(ctx) -> FastAPI:
    """The API's FastAPI app (no docs pages: OpenAI's and A1111's references describe it)."""
    from . import openai_routes, sdapi

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(openai_routes.router(ctx))
    app.include_router(sdapi.router(ctx))

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError):
        return exc.response()

    @app.exception_handler(StudioError)
    async def _studio(request: Request, exc: StudioError):
        return api_error(exc).response()

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        first = (exc.errors() or [{}])[0]
        field = ".".join(str(x) for x in first.get("loc", ())[1:]) or None
        return ApiError(400, f"{field}: {first.get('msg', 'invalid')}", param=field).response()

    @app.exception_handler(Exception)
    async def _other(request: Request, exc: Exception):
        return api_error(exc).response()

    @app.exception_handler(404)
    async def _missing(request: Request, exc):
        return ApiError(404, f"Studio's API has no {request.method} {request.url.path}. It serves /v1/models, "
                             "/v1/chat/completions, /v1/completions, /v1/images/generations, /v1/images/edits, "
                             "/sdapi/v1/txt2img, /sdapi/v1/img2img and /sdapi/v1/sd-models.",
                        code="not_found").response()

    return app


class ApiRoutes:
    """ASGI middleware: ``/v1/…`` and ``/sdapi/…`` go to :func:`build_app`'s app, the rest to Gradio."""

    def __init__(self, app, ctx):
        self.app = app
        self.api = build_app(ctx)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope.get("path", "").startswith(PREFIXES):
            await self.api(scope, receive, send)
            return
        await self.app(scope, receive, send)
