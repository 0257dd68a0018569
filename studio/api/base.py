"""What every route of Studio's HTTP API shares: who is calling (API keys), reading a request body,
and errors in OpenAI's shape (``{"error": {"message", "type", "param", "code"}}``)."""

from __future__ import annotations

import dataclasses
import json
import logging

from fastapi import Request
from fastapi.responses import JSONResponse

from ..errors import Cancelled, InvalidInput, ModelUnavailable, OutOfMemory, StudioError
from ..library import LOCAL_OWNER
from ..messages import Message

log = logging.getLogger(__name__)
MAX_JSON_BYTES = 64 * 1024 * 1024


class ApiError(Exception):
    """An answer other than 200: HTTP ``status`` and OpenAI's error fields."""

    def __init__(self, status: int, message: str, *, type: str = "invalid_request_error",  # noqa: A002
                 param: str | None = None, code: str | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.param, self.code = status, message, type, param, code

    def response(self) -> JSONResponse:
        return JSONResponse(error_body(self.message, self.type, self.param, self.code), status_code=self.status)


def error_body(message: str, type: str = "invalid_request_error", param: str | None = None,  # noqa: A002
               code: str | None = None) -> dict:
    return {"error": {"message": message, "type": type, "param": param, "code": code}}


def api_error(exc: BaseException) -> ApiError:
    """The :class:`ApiError` for an engine's error (a bad field is 400 naming it; a missing model 404)."""
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, InvalidInput):
        return ApiError(400, exc.message, param=exc.field)
    if isinstance(exc, ModelUnavailable):
        return ApiError(404, exc.message, param=exc.field or "model", code="model_not_found")
    if isinstance(exc, OutOfMemory):
        return ApiError(503, exc.message, type="server_error", code="out_of_memory")
    if isinstance(exc, Cancelled):
        return ApiError(499, exc.message, type="server_error", code="cancelled")
    if isinstance(exc, StudioError):
        return ApiError(500, exc.message, type="server_error", param=exc.field)
    log.exception("unexpected error in the API", exc_info=exc)
    return ApiError(500, Message("Something went wrong: {m}", m=f"{type(exc).__name__}: {str(exc)[:300]}"),
                    type="server_error")


@dataclasses.dataclass
class Caller:
    """Who an API request works for: ``owner`` (library/voices owner) and ``username`` (None without
    ``--auth``), the way a Gradio request names its user (so :func:`studio.ui.owners.claim` takes it)."""

    owner: str
    username: str | None


def caller(ctx, request: Request) -> Caller:
    """The caller of ``request``. Without ``--auth``: the local user, no key needed. With it: the user of
    the ``Authorization: Bearer KEY`` key (A1111 clients may send HTTP Basic with the key as password).

    Raises:
        ApiError: 401 when the key is missing, unknown or revoked.
    """
    if not ctx.settings.auth:
        return Caller(LOCAL_OWNER, None)
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    key = value.strip()
    if scheme.lower() == "basic" and key:
        import base64

        try:
            key = base64.b64decode(key).decode("utf-8").partition(":")[2]
        except ValueError:
            key = ""
    elif scheme.lower() != "bearer":
        key = ""
    if not key:
        raise ApiError(401, "This Studio needs an API key: send 'Authorization: Bearer KEY'. Each user makes "
                            "their keys in the Library tab, under API keys.", code="invalid_api_key")
    user = ctx.api_keys.user_for(key)
    if user is None:
        raise ApiError(401, "The API key is not valid (unknown, or revoked). Make a new one in the Library tab, "
                            "under API keys.", code="invalid_api_key")
    return Caller(user, user)


async def json_body(request: Request) -> dict:
    """The request's JSON object. Raises :class:`ApiError` (400) when it is not one."""
    raw = await request.body()
    if len(raw) > MAX_JSON_BYTES:
        raise ApiError(413, f"The request body is {len(raw):,} bytes; the limit is {MAX_JSON_BYTES:,}.")
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        raise ApiError(400, f"The request body is not JSON: {exc}.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body
