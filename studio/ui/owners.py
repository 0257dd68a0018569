"""A user's pictures, exports and uploads are served to that user only.

With ``--auth``, every picture a user makes is moved (:func:`claim`) into
that user's own folder, ``<output-dir>/users/<key>/``, where ``<key>`` is an
HMAC-SHA256 of the user name with this installation's secret (so folder names
reveal nothing and cannot be guessed), and file names carry a random token
(:func:`studio.files.new_filename`). :class:`OwnFilesOnly`, an ASGI middleware
given to Gradio's FastAPI app (``launch(app_kwargs={"middleware": ...})``),
answers 404 to any request for a file under ``--output-dir`` that is not in
the requesting user's folder.

Exports, uploads and Gradio's copies of results live in Gradio's cache folder,
under folders named by a keyed SHA-256 of their content, which no one can
guess. The middleware also notes (:class:`FileOwners`) which user each cache
file was handed to (the answer of ``/upload``, the results streamed by
``/queue/data``, ``/call``, ``/run``), and answers 404 when another user asks
for it, or names it as an input of an event. A cache file no user was handed
is served only if it was there before the studio started (a component's
default value); one made since (Gradio's intermediate copies of a result) is
no one's.

Without ``--auth`` there is one user (``local``) and pictures stay in
``--output-dir`` itself.
"""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path

from ..identity import USERS, claim, user_folder, user_name  # noqa: F401 - USERS, claim re-exported


def owns(ctx, request, path) -> bool:
    """True when ``path`` is in the request's user's picture folder (for "Insert into draft" and the like)."""
    folder = user_folder(ctx, user_name(request)).resolve()
    try:
        p = Path(path).resolve()
    except OSError:
        return False
    if folder == Path(ctx.settings.output_dir).resolve():
        return p.is_relative_to(folder)
    return p.is_relative_to(folder)


class FileOwners:
    """Which users were handed each file of Gradio's cache folder (uploads, exports, copies of results).

    Keys are resolved absolute paths inside ``folder``; a file handed to no one
    has no entry. Thread-safe; kept in memory (Gradio empties the cache when the
    studio stops).
    """

    MAX = 100_000  # entries kept before forgetting files that are gone

    def __init__(self, folder: str | Path):
        self.folder = Path(folder).resolve()
        self._owners: dict[str, set[str]] = {}
        self._lock = threading.Lock()
        self.started = time.time()

    def cache_path(self, raw: str) -> str | None:
        """``raw`` (a path, or a URL with ``/file=<path>``) as a resolved path inside the cache, else None."""
        if not isinstance(raw, str) or len(raw) > 4096:
            return None
        if "/file=" in raw:
            raw = raw.split("/file=", 1)[1]
        elif not raw.startswith(("/", "\\")) and not (len(raw) > 2 and raw[1] == ":"):
            return None  # a relative path: text, not a file of the cache
        try:
            p = Path(os.path.abspath(raw)).resolve()
        except (OSError, ValueError):
            return None
        return str(p) if p != self.folder and p.is_relative_to(self.folder) else None

    def paths_in(self, data) -> set[str]:
        """Every cache path named anywhere in the JSON value ``data`` (strings in lists and dicts)."""
        found: set[str] = set()
        stack = [data]
        while stack:
            item = stack.pop()
            if isinstance(item, dict):
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, str) and (p := self.cache_path(item)):
                found.add(p)
        return found

    def record(self, user: str, paths) -> None:
        """Note that ``user`` was handed the cache files ``paths`` (resolved, from :meth:`paths_in`)."""
        with self._lock:
            for p in paths:
                self._owners.setdefault(p, set()).add(user)
            if len(self._owners) > self.MAX:
                self._owners = {k: v for k, v in self._owners.items() if os.path.exists(k)}

    def allowed(self, user: str, path: str) -> bool:
        """True when the cache file ``path`` was handed to ``user``, or was there before the studio
        started (a component's default value). A file made since then and handed to no one (Gradio
        copies a result more than once and hands out only the last copy) is no one's to download."""
        with self._lock:
            owners = self._owners.get(path)
        if owners:
            return user in owners
        try:
            made = os.stat(path).st_ctime  # the copy's own creation; copy2 keeps only the source's mtime
        except OSError:
            return True  # nothing there: Gradio answers 404 itself
        return made < self.started


def _json_lines(data: bytes):
    """The JSON values in ``data``: a JSON document, or server-sent events (``data: {...}`` lines)."""
    text = data.decode("utf-8", "replace")
    for line in text.splitlines() or [text]:
        line = line.strip()
        if line.startswith("data:"):
            line = line[5:].strip()
        if line[:1] in ("{", "["):
            try:
                yield json.loads(line)
            except ValueError:
                continue


# routes (after Gradio's /gradio_api prefix) whose answers hand files to the user, and those whose
# request bodies name files as inputs of an event
_HANDS_OUT = ("/upload", "/queue/data", "/call/", "/run/", "/api/")
_TAKES_IN = ("/queue/join", "/call/", "/run/", "/api/")
MAX_SCANNED_BODY = 64 * 1024 * 1024


class OwnFilesOnly:
    """ASGI middleware: with ``--auth``, a file is served only to the user it belongs to.

    * under ``--output-dir``: only to the user whose folder holds it (404 for
      other users and for files outside any user's folder);
    * in Gradio's cache (uploads, exports, Gradio's copies of results): only to
      the users it was handed to (:class:`FileOwners`), as a download
      (``/file=``, or the older ``/file/``) or as an input of an event; 404 otherwise.

    It reads the user the way Gradio does (its ``access-token`` cookie). Requests
    with no login are left to Gradio, which refuses them (401/403).
    """

    def __init__(self, app, ctx, cache_dir: str | Path | None = None):
        from gradio.utils import get_upload_folder

        self.app = app
        self.ctx = ctx
        self.owners = FileOwners(cache_dir or get_upload_folder())

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or not self.ctx.settings.auth:
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")  # already %-decoded (ASGI), as Gradio's routes see it
        route = path.split("/gradio_api", 1)[-1]
        marker = path.find("/file=")
        if marker >= 0:
            served = path[marker + len("/file="):]
        elif route.startswith("/file/"):  # Gradio's older route for the same files
            served = route[len("/file/"):]
        else:
            served = None
        user = self._user(scope)
        if served is not None and not self._allowed(scope, served, user):
            await _not_found(send)
            return
        if user and scope.get("method") == "POST" and route.startswith(_TAKES_IN):
            body, receive = await _read_body(receive)
            if not all(self.owners.allowed(user, p) for value in _json_lines(body)
                       for p in self.owners.paths_in(value)):
                await _not_found(send)
                return
        if user and served is None and route.startswith(_HANDS_OUT):
            send = self._recording(send, user)
        await self.app(scope, receive, send)

    def _recording(self, send, user: str):
        """``send`` that notes every cache file named in the answer before passing each piece on."""
        pending = bytearray()

        async def wrapped(message):
            if message["type"] == "http.response.body":
                pending.extend(message.get("body", b""))
                more = message.get("more_body", False)
                cut = pending.rfind(b"\n") + 1 if more else len(pending)
                if cut:
                    for value in _json_lines(bytes(pending[:cut])):
                        self.owners.record(user, self.owners.paths_in(value))
                    del pending[:cut]
                if len(pending) > MAX_SCANNED_BODY:
                    pending.clear()
            await send(message)

        return wrapped

    def _user(self, scope) -> str | None:
        app = scope.get("app")
        if app is None or not hasattr(app, "tokens"):
            return None
        from starlette.requests import HTTPConnection

        cookies = HTTPConnection(scope).cookies
        cid = getattr(app, "cookie_id", "")
        token = cookies.get(f"access-token-{cid}") or cookies.get(f"access-token-unsecure-{cid}")
        return app.tokens.get(token) if token else None

    def _allowed(self, scope, raw: str, user: str | None) -> bool:
        if not user:
            return True  # no login: Gradio's own check refuses the request (401/403)
        try:
            cached = self.owners.cache_path(os.path.abspath(raw))  # relative to the working folder, as Gradio
        except (OSError, ValueError):
            return True  # not a path; Gradio decides
        if cached:
            return self.owners.allowed(user, cached)
        out = Path(self.ctx.settings.output_dir).resolve()
        try:
            target = Path(os.path.abspath(raw)).resolve()
        except (OSError, ValueError):
            return True  # not a path of ours; Gradio decides
        if not target.is_relative_to(out):
            return True
        return target.is_relative_to(user_folder(self.ctx, user).resolve())


async def _not_found(send) -> None:
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": b"Not found"})


async def _read_body(receive):
    """The whole request body, and a ``receive`` that hands it on to the app unchanged."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return b"", _replay([message], receive)
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    return body, _replay([{"type": "http.request", "body": body, "more_body": False}], receive)


def _replay(messages: list, receive):
    async def replayed():
        return messages.pop(0) if messages else await receive()

    return replayed


__all__ = ["user_folder", "claim", "owns", "FileOwners", "OwnFilesOnly"]
