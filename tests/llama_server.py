"""``python -m llama_cpp.server``, with Studio's fix for CPUs with AMX applied first
(see :func:`studio.text.llamacpp.open_llama`: without it this build of llama.cpp crashes
on such CPUs). Run as ``python tests/llama_server.py --model FILE ...`` (same flags)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    from llama_cpp.server.__main__ import main

    from studio.text.llamacpp import without_extra_buffers

    sys.argv[0] = "llama_cpp.server"
    with without_extra_buffers():
        main()
