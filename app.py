"""Studio's entry point: parse flags, build the UI, launch.

    python app.py [--listen] [--port N] [--share] [--auth USER:PASS] [--no-browser]
                  [--text-model REF] [--image-model REF] [--device auto|cpu|cuda|mps]
                  [--output-dir DIR] [--offline] ...

Every flag also has a ``STUDIO_*`` environment variable; ``python app.py --help`` lists them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


WAITING_ROOM = 3


def create_app(argv: list[str] | None = None):
    """Build settings, context and Blocks without launching. Returns ``(ctx, demo)``."""
    from studio.context import StudioContext
    from studio.settings import parse_settings

    settings = parse_settings(argv)
    ctx = StudioContext.create(settings)
    if ctx.text.server_slots():
        ctx.text.warm_up()  # the server starts while Gradio is imported and the page built: first words sooner
    from studio.ui.blocks import build_ui

    demo = build_ui(ctx)
    # a few more jobs of each kind than the device runs at once come in and wait at the device's lock, which
    # tells their page for what and about how long (studio/locks.py); further ones wait in Gradio's queue
    demo.queue(default_concurrency_limit=settings.concurrency + WAITING_ROOM)
    return ctx, demo


def launch(ctx, demo, *, prevent_thread_lock: bool = False, quiet: bool = False):
    """Launch ``demo`` with the settings of ``ctx``. Returns what ``Blocks.launch`` returns."""
    from studio.ui.blocks import launch_kwargs

    s = ctx.settings
    if (s.share or s.listen) and not s.auth:
        print(
            "WARNING: Studio is reachable from other computers"
            + (" through a public link" if s.share else "")
            + " and anyone who finds it can use it. Add a login with --auth USER:PASS "
            "(or STUDIO_AUTH=user:pass).",
            file=sys.stderr,
        )
    s.output_dir.mkdir(parents=True, exist_ok=True)
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if s.share else contextlib.nullcontext():
        result = demo.launch(
            server_name=s.host,
            server_port=s.port,
            share=s.share,
            auth=s.auth or None,
            inbrowser=not s.no_browser,
            prevent_thread_lock=True,
            quiet=quiet,
            show_error=True,
            run_history=False,
            mcp_server=False,
            allowed_paths=[str(s.output_dir)],
            blocked_paths=[str(s.data_dir / f"library.db{x}") for x in ("", "-wal", "-shm")] + [str(s.cache_dir)],
            **launch_kwargs(ctx),
        )
    if s.share:
        shared = bool(getattr(demo, "share_url", None))
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        if not shared:  # Gradio's own multi-line explanation is replaced by one line
            lines = [line for line in lines if line.startswith("* Running on local")]
        print("\n".join(lines))
        if not shared:
            print(f"Could not create a public share link (offline, or the tunnel is blocked); "
                  f"Studio keeps serving locally at http://{s.host}:{demo.server_port}", file=sys.stderr)
    if not prevent_thread_lock:
        demo.block_thread()
    return result


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request (llama-server's /health polls)
    from studio.errors import StudioError

    try:
        ctx, demo = create_app(argv)
    except StudioError as exc:
        print(f"Studio cannot start: {exc.message}", file=sys.stderr)
        return 2
    launch(ctx, demo)
    return 0


if __name__ == "__main__":
    sys.exit(main())
