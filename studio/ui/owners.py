"""A user's pictures are served to that user only.

With ``--auth``, every picture a user makes is moved (:func:`claim`) into
that user's own folder, ``<output-dir>/users/<key>/``, where ``<key>`` is an
HMAC-SHA256 of the user name with this installation's secret (so folder names
reveal nothing and cannot be guessed), and file names carry a random token
(:func:`studio.files.new_filename`). :class:`OwnFilesOnly`, an ASGI middleware
given to Gradio's FastAPI app (``launch(app_kwargs={"middleware": ...})``),
answers 404 to any request for a file under ``--output-dir`` that is not in
the requesting user's folder. Exports and uploads live in Gradio's cache,
under folders named by a keyed SHA-256 of their content, which no one can guess.

Without ``--auth`` there is one user (``local``) and pictures stay in
``--output-dir`` itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path
from urllib.parse import unquote

USERS = "users"


def _secret(ctx) -> bytes:
    from .library import browser_secret

    return browser_secret(ctx).encode()


def user_folder(ctx, owner: str | None) -> Path:
    """The folder of ``owner``'s pictures: ``--output-dir`` without ``--auth``, else
    ``<output-dir>/users/<hmac of the name>``."""
    out = Path(ctx.settings.output_dir)
    if not ctx.settings.auth or not owner:
        return out
    key = hmac.new(_secret(ctx), owner.encode("utf-8"), hashlib.sha256).hexdigest()[:32]
    return out / USERS / key


def claim(ctx, request, paths):
    """Move the files ``paths`` (just made in ``--output-dir``) into the request's user's folder.

    Returns the new paths as strings (a single path in, a single path out; None stays None).
    """
    from .common import user_name

    if paths is None:
        return None
    single = isinstance(paths, (str, os.PathLike))
    items = [paths] if single else list(paths)
    folder = user_folder(ctx, user_name(request))
    out = []
    for p in items:
        if p is None:
            out.append(None)
            continue
        p = Path(p)
        if folder != Path(ctx.settings.output_dir) and p.parent.resolve() != folder.resolve():
            folder.mkdir(parents=True, exist_ok=True)
            target = folder / p.name
            os.replace(p, target)
            p = target
        out.append(str(p))
    return out[0] if single else out


def owns(ctx, request, path) -> bool:
    """True when ``path`` is in the request's user's picture folder (for "Insert into draft" and the like)."""
    from .common import user_name

    folder = user_folder(ctx, user_name(request)).resolve()
    try:
        p = Path(path).resolve()
    except OSError:
        return False
    if folder == Path(ctx.settings.output_dir).resolve():
        return p.is_relative_to(folder)
    return p.is_relative_to(folder)


class OwnFilesOnly:
    """ASGI middleware: a file under ``--output-dir`` is served only to the user whose folder holds it.

    It reads the user the way Gradio does (its ``access-token`` cookie), and
    answers 404 for files of other users, and for files outside any user's
    folder, when ``--auth`` is on.
    """

    def __init__(self, app, ctx):
        self.app = app
        self.ctx = ctx

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and self.ctx.settings.auth:
            path = unquote(scope.get("path", ""))
            marker = path.find("/file=")
            if marker >= 0 and not self._allowed(scope, path[marker + len("/file="):]):
                await send({"type": "http.response.start", "status": 404,
                            "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send({"type": "http.response.body", "body": b"Not found"})
                return
        await self.app(scope, receive, send)

    def _user(self, scope) -> str | None:
        app = scope.get("app")
        if app is None or not hasattr(app, "tokens"):
            return None
        from starlette.requests import HTTPConnection

        cookies = HTTPConnection(scope).cookies
        cid = getattr(app, "cookie_id", "")
        token = cookies.get(f"access-token-{cid}") or cookies.get(f"access-token-unsecure-{cid}")
        return app.tokens.get(token) if token else None

    def _allowed(self, scope, raw: str) -> bool:
        out = Path(self.ctx.settings.output_dir).resolve()
        try:
            target = Path(os.path.abspath(raw)).resolve()
        except (OSError, ValueError):
            return True  # not a path of ours; Gradio decides
        if not target.is_relative_to(out):
            return True
        user = self._user(scope)
        if not user:
            return True  # no login: Gradio's own check refuses the request (401/403)
        return target.is_relative_to(user_folder(self.ctx, user).resolve())


__all__ = ["user_folder", "claim", "owns", "OwnFilesOnly"]
