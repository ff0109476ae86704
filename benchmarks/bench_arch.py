"""Whole MultiKernelBench architectures (ascendpy.ops.arch) on the simulator, beside torch on the CPU.

Each case builds the task's network at the task's input size and times --repeats forwards after a warm-up (which
compiles and caches every kernel), on host arrays (weights copied in by every layer) and after `to_device()` on
DeviceBuffers (weights resident, the output read back once). The baseline is the very same model code with every
ascendpy.ops call mapped to its torch.nn.functional counterpart (`TorchOps`: torch's CPU kernels, all threads,
the same weights), run alternately in the same process; without torch the case reports the simulator alone. The
two outputs are compared relative to the largest |output|. Prints a table and writes
benchmarks/results/arch.json.

    python benchmarks/bench_arch.py [--repeats N] [--cases resnet18,swin_mlp]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from ascendpy import DeviceBuffer, ops  # noqa: E402
from ascendpy.ops.registry import OPERATORS  # noqa: E402

OUT = ROOT / "benchmarks" / "results" / "arch.json"

# name: (operator, constructor arguments, input shape) at the tasks' sizes (batch reduced where named)
CASES: dict[str, tuple[str, tuple, tuple[int, ...]]] = {
    "resnet18": ("arch.ResNet18", (1000,), (2, 3, 224, 224)),
    "mobilenet_v2": ("arch.MobileNetV2", (1000,), (2, 3, 224, 224)),
    "vision_transformer": ("arch.VisionTransformer", (224, 16, 10, 512, 6, 8, 2048, 3, 0.0, 0.0), (2, 3, 224, 224)),
    "swin_mlp": ("arch.SwinMLP", (), (2, 3, 224, 224)),
    "mini_gpt_block": ("arch.MiniGPTBlock", (768, 8, 0.0, 0.0, 1024), (1, 512, 768)),
    "lstm": ("arch.LSTMNet", (128, 256, 6, 10), (2, 64, 128)),
}


class TorchOps:
    """The ascendpy.ops calls the benchmarked models make, as torch functional calls (the baseline)."""

    def __init__(self) -> None:
        import torch
        import torch.nn.functional as F  # noqa: N812

        self.torch, self.F = torch, F

    def t(self, x: Any) -> Any:
        return x if isinstance(x, self.torch.Tensor) else self.torch.as_tensor(np.ascontiguousarray(x))

    def _epi(self, y: Any, epi: Any) -> Any:
        saved = y
        for name, a, _ in ([] if epi is None else epi.steps):
            v = saved if isinstance(a, type(ops.Epilogue.SAVED)) else (self.t(a) if hasattr(a, "shape") else a)
            if name == "save":
                saved = y
            elif name in ("add", "mul", "sub"):
                y = {"add": y + v, "mul": y * v, "sub": y - v}[name]
            elif name in ("relu", "tanh", "sigmoid", "exp"):
                y = getattr(self.torch, name)(y)
            elif name in ("gelu", "gelu_tanh"):
                y = self.F.gelu(y, approximate="none" if name == "gelu" else "tanh")
            else:
                raise NotImplementedError(name)
        return y

    def linear(self, x, w, b=None, *, epilogue=None):
        return self._epi(self.F.linear(self.t(x), self.t(w), None if b is None else self.t(b)), epilogue)

    def conv2d(self, x, w, b=None, stride=1, padding=0, dilation=1, groups=1, *, epilogue=None):
        y = self.F.conv2d(self.t(x), self.t(w), None if b is None else self.t(b), stride, padding, dilation, groups)
        return self._epi(y, epilogue)

    def conv1d(self, x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
        return self.F.conv1d(self.t(x), self.t(w), None if b is None else self.t(b), stride, padding, dilation, groups)

    def batch_norm(self, x, rm, rv, w=None, b=None, training=False, momentum=0.1, eps=1e-5):
        c = self.t(x).shape[1]
        rm = self.torch.zeros(c) if rm is None else self.t(rm).clone()
        rv = self.torch.ones(c) if rv is None else self.t(rv).clone()
        return self.F.batch_norm(self.t(x), rm, rv, None if w is None else self.t(w), None if b is None else self.t(b),
                                 training, momentum, eps)

    def layer_norm(self, x, shape, w=None, b=None, eps=1e-5):
        return self.F.layer_norm(self.t(x), tuple(shape), None if w is None else self.t(w),
                                 None if b is None else self.t(b), eps)

    def multi_head_attention(self, q, k, v, heads, wq, wk, wv, wo, bq=None, bk=None, bv=None, bo=None, *,
                             is_causal=False, attn_mask=None):
        def split(x, w, b):
            y = self.F.linear(self.t(x), self.t(w), None if b is None else self.t(b))
            return y.reshape(*y.shape[:2], heads, -1).transpose(1, 2)

        o = self.F.scaled_dot_product_attention(split(q, wq, bq), split(k, wk, bk), split(v, wv, bv),
                                                is_causal=is_causal)
        o = o.transpose(1, 2).reshape(o.shape[0], o.shape[2], -1)
        return self.F.linear(o, self.t(wo), None if bo is None else self.t(bo))

    def lstm(self, x, h0, c0, weights, num_layers=1, bidirectional=False, batch_first=False):
        torch = self.torch
        w = [self.t(a) for a in weights]
        out, h, c = torch._VF.lstm(self.t(x), (self.t(h0), self.t(c0)), w, len(w) // num_layers
                                     // (2 if bidirectional else 1) == 4, num_layers, 0.0, False, bidirectional,
                                     batch_first)
        return out, h, c

    def __getattr__(self, name: str) -> Any:
        simple = {"relu": lambda x: self.torch.relu(self.t(x)),
                  "hardtanh": lambda x, lo=-1.0, hi=1.0: self.F.hardtanh(self.t(x), lo, hi),
                  "sigmoid": lambda x: self.torch.sigmoid(self.t(x)),
                  "add": lambda a, b: self.t(a) + self.t(b),
                  "fused": lambda x, epi: self._epi(self.t(x), epi),
                  "adaptive_avg_pool2d": lambda x, s: self.F.adaptive_avg_pool2d(self.t(x), s),
                  "adaptive_avg_pool1d": lambda x, s: self.F.adaptive_avg_pool1d(self.t(x), s),
                  "max_pool2d": lambda x, *a, **k: self.F.max_pool2d(self.t(x), *a, **k),
                  "cat": lambda ts, dim=0: self.torch.cat([self.t(t) for t in ts], dim),
                  "transpose": lambda x, a, b: self.t(x).transpose(a, b).contiguous(),
                  "permute": lambda x, d: self.t(x).permute(*d).contiguous(),
                  "narrow": lambda x, d, s, n: self.t(x).narrow(d, s, n).contiguous(),
                  "pad": lambda x, p, mode="constant", value=None: self.F.pad(self.t(x), list(p), mode, value or 0.0),
                  "softmax": lambda x, dim=None: self.torch.softmax(self.t(x), dim)}
        if name in simple:
            return simple[name]
        raise AttributeError(f"TorchOps has no {name}")


def _with_ops(namespace: Any, fn: Any, *args: Any) -> Any:
    """fn(*args) with the architectures' `ops` replaced by `namespace`."""
    import types

    from ascendpy.ops import arch, nn

    mods = [nn] + [m for m in vars(arch).values() if isinstance(m, types.ModuleType) and hasattr(m, "ops")]
    saved = [m.ops for m in mods]
    try:
        for m in mods:
            m.ops = namespace
        return fn(*args)
    finally:
        for m, s in zip(mods, saved):
            m.ops = s


def main() -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", default=",".join(CASES))
    args = ap.parse_args()
    try:
        import torch

        tops: TorchOps | None = TorchOps()
        torch_version = torch.__version__
    except ImportError:
        tops, torch_version = None, None
    rng = np.random.default_rng(0)
    results: dict[str, Any] = {"machine": platform.platform(), "python": platform.python_version(),
                               "cpus": os.cpu_count(), "date": time.strftime("%Y-%m-%d"), "repeats": args.repeats,
                               "baseline": f"torch {torch_version} CPU, the same model code" if tops else None,
                               "cases": []}
    print(f"{'case':20s} {'input':18s} {'params':>8s} {'simulator':>10s} {'on device':>10s} {'torch':>9s} "
          f"{'ratio':>7s} {'rel err':>8s}")
    for name in args.cases.split(","):
        op, init, shape = CASES[name]
        ops.manual_seed(0)
        model = OPERATORS[op].fn(*init)
        xs = [rng.random(shape).astype(np.float32)]
        if name == "lstm":
            xs += [rng.standard_normal((6, shape[0], 256)).astype(np.float32) for _ in range(2)]
        got = np.asarray(model(*xs))  # the warm-up compiles and caches every kernel
        sim, base = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            model(*xs)
            sim.append(time.perf_counter() - t)
            if tops is not None:
                with tops.torch.no_grad():
                    t = time.perf_counter()
                    want = _with_ops(tops, model, *xs)
                    base.append(time.perf_counter() - t)
        row: dict[str, Any] = {"name": name, "input": list(shape), "sim_s": float(np.median(sim)),
                               "params": int(sum(v.size for v in model.state_dict().values()))}
        ops.manual_seed(0)
        dev = OPERATORS[op].fn(*init).to_device()  # the weights on the device once, DeviceBuffer in and out
        dxs = [DeviceBuffer.from_numpy(x) for x in xs]
        dev(*dxs)
        dsim = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            out = dev(*dxs)
            out.to_numpy()
            dsim.append(time.perf_counter() - t)
        row["sim_device_s"] = float(np.median(dsim))
        if base:
            want = want.numpy()
            row.update(torch_cpu_s=float(np.median(base)), ratio=float(np.median(np.array(sim) / np.array(base))),
                       rel_err=float(np.abs(got - want).max() / max(np.abs(want).max(), 1e-30)))
        results["cases"].append(row)
        tb = f"{row['torch_cpu_s']:8.3f}s {row['ratio']:6.1f}x {row['rel_err']:8.1e}" if base else "       -"
        print(f"{name:20s} {str(shape):18s} {row['params'] / 1e6:7.1f}M {row['sim_s']:9.3f}s "
              f"{row['sim_device_s']:9.3f}s {tb}", flush=True)
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=1) + "\n")
    return results


if __name__ == "__main__":
    main()
