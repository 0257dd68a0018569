"""The Models API of a launched studio (issue #27) against the loopback Hub stand-in: /models_list,
/models_download (returns when done; only --admin users may), /models_delete; the downloaded tiny GGUF,
made the default, writes through /write after a restart with no --text-model."""

from __future__ import annotations

import pytest

from studio import hub

from .conftest import free_port, studio_client
from .test_hub import FILE, REF, REPO, gguf_bytes, online, stand_in  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow


def _launch(data):
    import app as studio_app

    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--auth", "ann:pw-1",
                                       "--auth", "bob:pw-2", "--admin", "ann", "--data-dir", str(data),
                                       "--device", "cpu"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    return ctx, demo, f"http://127.0.0.1:{ctx.settings.port}"


def test_download_make_default_and_write_after_a_restart(stand_in, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.delenv("STUDIO_TEXT_MODEL", raising=False)
    data = tmp_path / "data"
    ctx, demo, url = _launch(data)
    try:
        ann, bob = studio_client(url, auth=("ann", "pw-1")), studio_client(url, auth=("bob", "pw-2"))
        with pytest.raises(Exception, match="administrators"):
            bob.predict(REF, api_name="/models_download")
        done = ann.predict(REF, api_name="/models_download")
        assert done["state"] == "done" and done["done"] == done["total"] > 0
        listed = bob.predict("text", api_name="/models_list")
        assert REF in [e["ref"] for e in listed["installed"]]
        assert REF in ctx.text.offered(), "a downloaded model is offered in the Write tab at once"
        with pytest.raises(Exception, match="is gated"):
            ann.predict(f"org/Gated-GGUF:{FILE}", api_name="/models_download")
        hub.make_default(ctx.settings, "text", REF)
    finally:
        demo.close()
    ctx, demo, url = _launch(data)
    try:
        assert ctx.settings.text_model == REF
        ann = studio_client(url, auth=("ann", "pw-1"))
        text = ann.predict("A day in the garden", "headlines", "neutral", 50, 0.7, 0.9, 16, 5, "",
                           api_name="/write")
        assert isinstance(text, str) and text.strip()
        with pytest.raises(Exception, match="administrators"):
            studio_client(url, auth=("bob", "pw-2")).predict(REF, api_name="/models_delete")
        ann.predict(REF, api_name="/models_delete")
        assert hub.cached_file(REF) is None
    finally:
        demo.close()
