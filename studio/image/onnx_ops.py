"""The ONNX operators of the Magenta style graphs, as torch functions: :data:`OPS` maps an op
name to ``fn(attrs, *inputs)``, :data:`HOST_INPUTS` names the inputs read as parameters (kept
on the CPU). Used by :class:`studio.image.magenta.OnnxModule`; see that module for how a graph
is folded and run. Semantics follow the ONNX operator specification (opset 13).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

_INT_RANGES = {torch.int8: (-128, 127), torch.uint8: (0, 255), torch.int32: (-(2**31), 2**31 - 1)}


def node_attrs(node) -> dict[str, Any]:
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


def dequantize(a, x, scale, zero_point=None):
    axis = a.get("axis", 1)
    zp = (torch.zeros((), dtype=scale.dtype, device=scale.device) if zero_point is None
          else zero_point.to(device=scale.device, dtype=scale.dtype))
    return (x.to(scale.dtype) - _broadcast_axis(zp, x, axis)) * _broadcast_axis(scale, x, axis)


def quantize(a, x, scale, zero_point=None, *, as_int: bool = True):
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
        out = [int(np.floor(d * s)) for d, s in zip(x.shape[2:], sc[2:], strict=False)]
    # asymmetric + floor == torch's legacy "nearest"
    return F.interpolate(x, size=out, mode="nearest")


def _reduce(fn):
    def run(a, x, axes=None):
        axes = a.get("axes") if axes is None else [int(v) for v in axes.tolist()]
        keep = bool(a.get("keepdims", 1))
        if axes is None or len(axes) == 0:
            axes = list(range(x.dim()))
        return fn(x, dim=tuple(axes), keepdim=keep)

    return run


def _slice(a, x, starts, ends, axes=None, steps=None):
    starts, ends = [int(v) for v in starts.tolist()], [int(v) for v in ends.tolist()]
    axes = [int(v) for v in axes.tolist()] if axes is not None else list(range(len(starts)))
    steps = [int(v) for v in steps.tolist()] if steps is not None else [1] * len(starts)
    for axis, start, end, step in zip(axes, starts, ends, steps, strict=False):
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
    "DequantizeLinear": dequantize,
    "QuantizeLinear": quantize,
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
