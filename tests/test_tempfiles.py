"""Gradio's temporary copies of uploads and results are deleted as they age
(--temp-max-age), so a long-running studio does not fill the disk."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from .conftest import free_port

pytestmark = pytest.mark.slow


def existing_temp_files(demo) -> set[Path]:
    files = set()
    for group in demo.temp_file_sets:
        files |= {Path(p) for p in list(group) if Path(p).exists()}
    return files


def test_temp_folder_stays_bounded_over_many_requests(tmp_path):
    import app as studio_app

    from .conftest import studio_client

    ctx, demo = studio_app.create_app(["--no-browser", "--port", str(free_port()), "--data-dir", str(tmp_path / "d"),
                                       "--output-dir", str(tmp_path / "o"), "--device", "cpu", "--offline",
                                       "--temp-max-age", "3"])
    studio_app.launch(ctx, demo, prevent_thread_lock=True, quiet=True)
    try:
        client = studio_client(f"http://127.0.0.1:{ctx.settings.port}/")
        static = existing_temp_files(demo)  # the page's own files (preset thumbnails...), made once
        seen: set[Path] = set()
        peak = 0
        for i in range(12):
            client.predict(model="dcgan-faces", width=64, height=64, num_images=2, seed=i, api_name="/generate_image")
            now = existing_temp_files(demo) - static
            seen |= now
            peak = max(peak, len(now))
            time.sleep(0.6)
        # they age out after 3 s and the cleaner runs every second; a busy machine may run it late,
        # so wait up to a minute (files that are never deleted still fail)
        deadline = time.monotonic() + 60
        while len(left := existing_temp_files(demo) - static) > 2 and time.monotonic() < deadline:
            time.sleep(0.5)
        assert len(seen) >= 12, "each request leaves temporary copies for the browser to fetch"
        assert peak < len(seen), "older copies were deleted while requests kept coming"
        assert len(left) <= 2, f"{len(left)} temporary files are still on disk after they aged out"
        assert len(list((tmp_path / "o").glob("*.png"))) == 24  # the studio's own outputs are kept
    finally:
        demo.close()
