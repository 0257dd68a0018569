"""Import heavy libraries on first use, so that Studio starts (and writes) without them.

torch alone takes 1.3-1.6 s to import on a small machine, and the default Write
engine (llama.cpp) never needs it. Modules that use torch write
``torch = lazy_import("torch")`` instead of ``import torch``: every use inside a
function is unchanged, and torch is imported the first time one of its names is
read (``torch.tensor``, ``torch.device``...). Code that runs at import time must
not read torch's names; for decorators use :func:`torch_decorator`.

``tests/test_app.py`` checks that building the app with the llama.cpp default
imports none of torch, diffusers, transformers, peft, onnx, onnxruntime or cv2.
"""

from __future__ import annotations

import functools
import importlib
import sys
import types
from collections.abc import Callable
from typing import Any


class LazyModule(types.ModuleType):
    """Stands for the module ``name``; the real module is imported when an attribute is first read."""

    def __init__(self, name: str):
        super().__init__(name)
        self.__dict__["_lazy_name"] = name

    def __getattr__(self, attr: str) -> Any:
        module = self.__dict__.get("_lazy_module")
        if module is None:
            module = self.__dict__["_lazy_module"] = importlib.import_module(self.__dict__["_lazy_name"])
        return getattr(module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self.__dict__['_lazy_name']!r}>"


def lazy_import(name: str) -> Any:
    """A stand-in for ``import name`` that imports ``name`` on first attribute access.

    Returns the real module at once when it is already imported. Import errors
    (a missing package) are raised at first use instead of at start-up.
    """
    return sys.modules.get(name) or LazyModule(name)


def torch_decorator(name: str, *args: Any) -> Callable[[Callable], Callable]:
    """``@torch_decorator("no_grad")`` is ``@torch.no_grad()`` without importing torch at decoration time.

    The function is wrapped by ``torch.<name>(*args)`` when it is first called.
    """

    def wrap(fn: Callable) -> Callable:
        real: list[Callable] = []

        @functools.wraps(fn)
        def call(*a: Any, **kw: Any) -> Any:
            if not real:
                import torch

                real.append(getattr(torch, name)(*args)(fn))
            return real[0](*a, **kw)

        return call

    return wrap


def torch_oom() -> tuple[type[BaseException], ...]:
    """``(torch.OutOfMemoryError,)`` when torch is imported, else ``()`` (nothing can have run out of
    device memory through torch before it was imported). For ``except`` and ``isinstance`` without
    importing torch on every error."""
    torch = sys.modules.get("torch")
    return (torch.OutOfMemoryError,) if torch is not None and hasattr(torch, "OutOfMemoryError") else ()
