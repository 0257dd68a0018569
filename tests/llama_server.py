"""``python -m llama_cpp.server``, with Studio's fix for CPUs with AMX applied first
(see :func:`studio.text.llamacpp.open_llama`: without it this build of llama.cpp crashes
on such CPUs). Run from the repository as ``python -m tests.llama_server --model FILE ...``
(same flags)."""

from __future__ import annotations

import sys

if __name__ == "__main__":
    from llama_cpp.server.__main__ import main

    from studio.text.llamacpp import without_extra_buffers

    sys.argv[0] = "llama_cpp.server"
    with without_extra_buffers():
        main()
