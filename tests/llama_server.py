"""``python -m llama_cpp.server``, with Studio's fix for CPUs with AMX applied first
(see :func:`studio.text.llamacpp.open_llama`: without it this build of llama.cpp crashes
on such CPUs). Run as ``python tests/llama_server.py --model FILE ...`` (same flags)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

if __name__ == "__main__":
    import llama_cpp.llama_cpp as capi

    from studio.text.llamacpp import has_amx

    if has_amx():
        default = capi.llama_model_default_params

        def params():
            p = default()
            p.use_extra_bufts = False
            return p

        capi.llama_model_default_params = params
    from llama_cpp.server.__main__ import main

    sys.argv[0] = "llama_cpp.server"
    main()
