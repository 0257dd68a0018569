"""Who a request is, in one place that imports nothing of the UI: the logged-in user, the library owner,
this installation's secret for values kept in the browser, and the folder a user's pictures live in.

The UI (:mod:`studio.ui.owners`, the Library, the Write tab) and the API (:mod:`studio.api.pictures`) both
ask here, so neither imports the other.

With ``--auth``, every picture a user makes is moved (:func:`claim`) into that user's own folder,
``<output-dir>/users/<key>/``, where ``<key>`` is an HMAC-SHA256 of the user name with this
installation's secret (so folder names reveal nothing and cannot be guessed). Without ``--auth`` there
is one user (``local``) and pictures stay in ``--output-dir`` itself.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from pathlib import Path

from .errors import StudioError
from .files import atomic_write_bytes
from .library.schema import LOCAL_OWNER

USERS = "users"


def user_name(request) -> str | None:
    """The logged-in user (with ``--auth``), else ``None``."""
    return getattr(request, "username", None) or None


def owner_of(ctx, request: object) -> str:
    """The library owner of ``request``: the logged-in user, or ``"local"`` without ``--auth``.

    Raises:
        StudioError: ``--auth`` is on but the request carries no user.
    """
    name = user_name(request)
    if name:
        return name
    if ctx.settings.auth:
        raise StudioError("Please log in first.")
    return LOCAL_OWNER


def browser_secret(ctx) -> str:
    """A per-installation secret (kept in the data folder) for values stored in the browser,
    so they survive a restart of the studio."""
    path = Path(ctx.settings.data_dir) / ".browser-secret"
    try:
        return path.read_text().strip()
    except OSError:
        import secrets

        value = secrets.token_hex(32)
        with contextlib.suppress(OSError):
            atomic_write_bytes(path, value.encode())
        return value


def _secret(ctx) -> bytes:
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
