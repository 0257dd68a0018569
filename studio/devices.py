"""Device and dtype choice, and memory facts.

Order of preference for ``auto``: CUDA, then Apple MPS, then CPU.
Dtypes: CUDA bfloat16 where the card supports it (else float16), MPS float16,
CPU float32.
"""

from __future__ import annotations

import gc
import importlib.util
import re
import sys
from pathlib import Path

from .lazy import lazy_import  # torch is imported on first use, not at start-up
torch = lazy_import("torch")

from .errors import InvalidInput

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def pick_device(preference: str = "auto") -> torch.device:
    """Return the torch device for ``preference``.

    Args:
        preference: one of ``auto``, ``cpu``, ``cuda``, ``mps``.

    Raises:
        InvalidInput: the preference is unknown, or names a device this
            machine does not have.
    """
    if preference not in DEVICE_CHOICES:
        raise InvalidInput("device", f"must be one of {', '.join(DEVICE_CHOICES)}, not {preference!r}.")
    if preference == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if preference == "cuda" and not torch.cuda.is_available():
        raise InvalidInput("device", "cuda was asked for, but no CUDA GPU is visible. Use --device cpu or auto.")
    if preference == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise InvalidInput("device", "mps was asked for, but Apple Metal is not available. Use --device cpu or auto.")
    return torch.device(preference)


def gpu_possible() -> bool:
    """False when torch certainly sees no GPU here, known without importing torch: not macOS (no
    MPS), and the installed torch build has neither CUDA nor ROCm (``torch/version.py``). True
    otherwise (then only torch can tell), also when torch is already imported."""
    if "torch" in sys.modules or sys.platform == "darwin":
        return True
    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return True  # let torch's own import error show where it is needed
    try:
        text = (Path(list(spec.submodule_search_locations)[0]) / "version.py").read_text(encoding="utf-8")
    except OSError:
        return True
    return not all(re.search(rf"^{name}\s*(?::[^=\n]*)?=\s*None\s*$", text, re.MULTILINE) for name in ("cuda", "hip"))


def pick_dtype(device: torch.device) -> torch.dtype:
    """The compute dtype for ``device``: CUDA bf16/fp16, MPS fp16, CPU fp32."""
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device.type == "mps":
        return torch.float16
    return torch.float32


def free_memory(device: torch.device | None = None) -> None:
    """Release cached allocator memory after a model is dropped or an OOM.

    ``device`` is a torch device, or its type as a string (``"cpu"``, ``"cuda"``...).
    """
    gc.collect()
    if "torch" not in sys.modules:  # nothing ran on torch yet: no device memory is cached
        return
    device = torch.device(device) if isinstance(device, str) else device
    if torch.cuda.is_available() and (device is None or device.type == "cuda"):
        torch.cuda.empty_cache()
    if device is not None and device.type == "mps":  # pragma: no cover - mac only
        torch.mps.empty_cache()


def memory_summary(device: torch.device) -> str:
    """One line of memory facts for the status bar, e.g. ``"cuda: 3.1/80.0 GiB used"``."""
    if device.type == "cuda":
        free, total = torch.cuda.mem_get_info(device)
        return f"cuda: {(total - free) / 2**30:.1f}/{total / 2**30:.1f} GiB used"
    return device.type
