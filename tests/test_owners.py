"""Per-user picture folders, unguessable names and the upload limit, as plain functions
(the launched-server checks are in test_issue12_api.py). Issue #12, items 8 and 9."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import pytest

from studio.errors import InvalidInput
from studio.files import new_filename
from studio.settings import Settings, parse_settings
from studio.ui.owners import OwnFilesOnly, claim, owns, user_folder


def make_ctx(tmp_path, auth=True):
    s = Settings(data_dir=tmp_path / "data", output_dir=tmp_path / "out",
                 auth=[("ann", "a"), ("bob", "b")] if auth else []).validate()
    return SimpleNamespace(settings=s)


def req(user):
    return SimpleNamespace(username=user, session_hash="s")


def test_file_names_carry_a_random_token(tmp_path):
    a, b = new_filename(tmp_path, "img", ".png"), new_filename(tmp_path, "img", ".png")
    token = a.stem.split("-")[-1]
    assert a != b and a.name.startswith("img-") and len(token) == 20 and token.isalnum() and token == token.lower()
    assert a.stem.split("-")[-1] != b.stem.split("-")[-1]


def test_each_user_has_an_unguessable_folder_and_claim_moves_pictures_there(tmp_path):
    ctx = make_ctx(tmp_path)
    ann, bob = user_folder(ctx, "ann"), user_folder(ctx, "bob")
    assert ann != bob and ann.parent == bob.parent == ctx.settings.output_dir / "users"
    assert "ann" not in ann.name and len(ann.name) == 32
    made = new_filename(ctx.settings.output_dir, "face", ".png")
    made.write_bytes(b"png")
    moved = claim(ctx, req("ann"), [made])
    assert Path(moved[0]).parent == ann and not made.exists()
    assert owns(ctx, req("ann"), moved[0]) and not owns(ctx, req("bob"), moved[0])
    assert claim(ctx, req("ann"), None) is None


def test_without_auth_pictures_stay_in_the_output_folder(tmp_path):
    ctx = make_ctx(tmp_path, auth=False)
    made = new_filename(ctx.settings.output_dir, "face", ".png")
    made.write_bytes(b"png")
    assert claim(ctx, req(None), str(made)) == str(made)
    assert owns(ctx, req(None), made)


def _status(mw, path, user):
    sent = []

    async def inner(scope, receive, send):
        sent.append(200)

    mw.app = inner
    app = SimpleNamespace(tokens={"tok": user} if user else {}, cookie_id="c")
    scope = {"type": "http", "path": path, "app": app,
             "headers": [(b"cookie", b"access-token-c=tok")] if user else []}

    async def send(msg):
        if msg["type"] == "http.response.start":
            sent.append(msg["status"])

    asyncio.run(mw(scope, None, send))
    return sent[0]


def test_the_middleware_serves_a_picture_to_its_owner_only(tmp_path):
    ctx = make_ctx(tmp_path)
    mw = OwnFilesOnly(None, ctx)
    pic = user_folder(ctx, "ann") / "face.png"
    assert _status(mw, f"/gradio_api/file={pic}", "ann") == 200
    assert _status(mw, f"/gradio_api/file={pic}", "bob") == 404
    assert _status(mw, f"/gradio_api/file/{pic}", "bob") == 404  # Gradio's older route
    assert _status(mw, f"/gradio_api/file/{pic}", "ann") == 200
    assert _status(mw, f"/gradio_api/file={ctx.settings.output_dir / 'x.png'}", "ann") == 404
    assert _status(mw, f"/gradio_api/file={ctx.settings.output_dir}/users/../users/x/../../x.png", "ann") == 404
    assert _status(mw, f"/gradio_api/file={tmp_path / 'elsewhere.txt'}", "bob") == 200  # Gradio decides
    assert _status(mw, "/gradio_api/info", "bob") == 200


def test_max_upload_mb_flag_env_default_and_range(tmp_path, monkeypatch):
    base = ["--data-dir", str(tmp_path / "d")]
    assert parse_settings(base).max_upload_mb == 50
    assert parse_settings(base + ["--max-upload-mb", "5"]).max_upload_mb == 5
    monkeypatch.setenv("STUDIO_MAX_UPLOAD_MB", "7")
    assert parse_settings(base).max_upload_mb == 7
    with pytest.raises(InvalidInput, match="--max-upload-mb"):
        parse_settings(base + ["--max-upload-mb", "0"])


def test_launch_gives_gradio_the_upload_limit_and_the_middleware(tmp_path):
    from studio.ui.blocks import launch_kwargs

    ctx = make_ctx(tmp_path)
    ctx.settings.max_upload_mb = 3
    kw = launch_kwargs(ctx)
    assert kw["max_file_size"] == 3 * 1024 * 1024
    from studio.api import ApiRoutes

    # the API (/v1, /sdapi) first, ahead of Gradio's routes; then the owners' check of Gradio's files
    assert [m.cls for m in kw["app_kwargs"]["middleware"]][:2] == [ApiRoutes, OwnFilesOnly]


def _exchange(mw, method, path, user, body=b"", answer=()):
    """One request through ``mw`` to an app that answers with the body pieces ``answer``; returns the status."""
    statuses = []

    async def app(scope, receive, send):
        got = await receive()
        assert got["body"] == body, "the app gets the request body unchanged"
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for i, piece in enumerate(answer):
            await send({"type": "http.response.body", "body": piece, "more_body": i < len(answer) - 1})

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(msg):
        if msg["type"] == "http.response.start":
            statuses.append(msg["status"])

    mw.app = app
    scope = {"type": "http", "method": method, "path": path, "headers": [(b"cookie", b"access-token-c=tok")],
             "app": SimpleNamespace(tokens={"tok": user}, cookie_id="c")}
    asyncio.run(mw(scope, receive, send))
    return statuses[0]


def test_cache_files_are_served_to_the_users_they_were_handed_to(tmp_path):
    import json

    cache = tmp_path / "gradio"
    up, out = cache / ("a" * 64) / "holiday.png", cache / ("b" * 64) / "Diary.html"
    mw = OwnFilesOnly(None, make_ctx(tmp_path), cache_dir=cache)
    # ann uploads a picture (Gradio answers with its path) and gets an export back, its message cut in two
    assert _exchange(mw, "POST", "/gradio_api/upload", "ann", answer=[json.dumps([str(up)]).encode()]) == 200
    message = json.dumps({"msg": "process_completed", "output": {"data": [
        {"path": str(out), "url": f"http://h/gradio_api/file={out}"}]}}).encode()
    sse = b"data: " + message + b"\n\n"
    assert _exchange(mw, "GET", "/gradio_api/queue/data", "ann", answer=[sse[:40], sse[40:]]) == 200
    for f in (up, out):
        assert _exchange(mw, "GET", f"/gradio_api/file={f}", "ann") == 200
        assert _exchange(mw, "GET", f"/gradio_api/file={f}", "bob") == 404
    # bob cannot name ann's upload as an input of an event either; ann can
    join = json.dumps({"data": [{"path": str(up)}], "fn_index": 3}).encode()
    assert _exchange(mw, "POST", "/gradio_api/queue/join", "bob", body=join) == 404
    assert _exchange(mw, "POST", "/gradio_api/queue/join", "ann", body=join) == 200
    # a cache file handed to no one (a component's default value) is left to Gradio; so is anything without --auth
    assert _exchange(mw, "GET", f"/gradio_api/file={cache / 'c' / 'default.png'}", "bob") == 200
    open_mw = OwnFilesOnly(None, make_ctx(tmp_path, auth=False), cache_dir=cache)
    assert _exchange(open_mw, "GET", f"/gradio_api/file={up}", "bob") == 200
