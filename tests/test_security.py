"""Sharing safely: --auth guards the UI, the API and the file routes; files the studio
did not create cannot be read; the share/listen warning is printed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from .conftest import free_port


def http(url: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str]:
    req = urllib.request.Request(url, data=json.dumps(data).encode() if data is not None else None,
                                 headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    import app as studio_app

    tmp = tmp_path_factory.mktemp("auth")
    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--auth", "ann:secret-1",
                                       "--auth", "bob:secret-2", "--data-dir", str(tmp / "data"),
                                       "--output-dir", str(tmp / "out"), "--device", "cpu", "--offline"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{ctx.settings.port}", ctx
    finally:
        demo.close()


def test_auth_refuses_requests_without_credentials(auth_server, tmp_path):
    url, ctx = auth_server
    secret = ctx.settings.output_dir / "made-by-studio.txt"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("private")
    for path in ("/gradio_api/info", "/config", f"/gradio_api/file={secret}", "/gradio_api/openapi.json"):
        status, _ = http(url + path)
        assert status in (401, 403), (path, status)
    status, body = http(url + "/gradio_api/call/write", {"data": ["bees"]})
    assert status in (401, 403), body
    status, body = http(url + "/gradio_api/queue/join", {"data": ["bees"], "fn_index": 0, "session_hash": "x"})
    assert status in (401, 403), body


def test_auth_login_page_is_all_an_anonymous_visitor_gets(auth_server):
    url, _ = auth_server
    status, body = http(url + "/")
    assert status == 200 and "Draft" not in body and "write-btn" not in body  # the login page, not the app


def test_gradio_client_needs_the_login(auth_server):
    from .conftest import studio_client

    url, _ = auth_server
    with pytest.raises(Exception):  # noqa: B017 - gradio_client's refused login has no error type of its own
        studio_client(url)
    with pytest.raises(Exception):  # noqa: B017 - as above
        studio_client(url, auth=("ann", "wrong"))
    client = studio_client(url, auth=("ann", "secret-1"))
    assert "/write" in client.view_api(print_info=False, return_format="dict")["named_endpoints"]


def test_arbitrary_files_on_disk_are_refused(studio_server, tmp_path):
    url, ctx = studio_server
    outside = tmp_path / "not-from-studio.txt"
    outside.write_text("top secret")
    for target in ("/etc/passwd", str(outside), str(ctx.settings.data_dir / "library.db"),
                   "../../../../etc/passwd", str(ctx.settings.output_dir / ".." / ".." / "etc" / "passwd")):
        status, body = http(f"{url}gradio_api/file={target}")
        assert status in (403, 404), (target, status)
        assert "root:" not in body and "top secret" not in body


def test_studio_outputs_are_served(studio_server):
    url, ctx = studio_server
    ctx.settings.output_dir.mkdir(parents=True, exist_ok=True)
    mine = ctx.settings.output_dir / "ok.txt"
    mine.write_text("made here")
    status, body = http(f"{url}gradio_api/file={mine}")
    assert status == 200 and body == "made here"
