"""Loading built kernels and launching them, with every argument checked first."""

from __future__ import annotations

import ctypes
import difflib
import os
import struct
import types
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ascendpy.errors import KernelNotFoundError, LaunchError, ToolchainError
from ascendpy.runtime.memory import DeviceBuffer, _queue_on, numpy_dtype
from ascendpy.runtime.objects import Context, Resource, Stream

if TYPE_CHECKING:  # the toolchain loads on first use: `import ascendpy` stays light
    from ascendpy.toolchain.compile import Artifact

_SCALAR_FORMATS: dict[str, tuple[str, str]] = {  # dtype -> (struct format, kind)
    "u8": ("B", "u"), "i8": ("b", "i"), "u16": ("H", "u"), "i16": ("h", "i"), "u32": ("I", "u"),
    "i32": ("i", "i"), "u64": ("Q", "u"), "i64": ("q", "i"), "f16": ("e", "f"), "f32": ("f", "f"),
    "f64": ("d", "f"), "bool": ("?", "b"),
}
_NUMPY_OF = {"u8": "uint8", "i8": "int8", "u16": "uint16", "i16": "int16", "u32": "uint32", "i32": "int32",
             "u64": "uint64", "i64": "int64", "f16": "float16", "f32": "float32", "f64": "float64",
             "bf16": "bfloat16", "bool": "bool"}


class _LoadedBinary(Resource):
    """A kernel library loaded into one context; unloaded when that context closes or dies.

    The context owns it (strongly); it refers to the context only weakly, so a loader that
    outlives a runtime keeps none of it alive and no reference cycle needs the cyclic gc.
    """

    _kind = "LoadedBinary"

    def __init__(self, context: Context, library: Path) -> None:
        super().__init__(context)
        self._parent = None  # the context holds us; see the class docstring
        self._lib = context._lib
        context._activate()
        handle = ctypes.c_void_p()
        self._lib.call("aclrtBinaryLoadFromFile", os.fsencode(library), None, ctypes.byref(handle))
        self.handle = handle
        self.functions: dict[str, ctypes.c_void_p] = {}
        self._typed: set[str] = set()  # kernels whose type the driver was found to agree on
        self._packers: dict[str, _Packer | None] = {}
        self._own(self._lib, "aclrtBinaryUnLoad", handle)

    def function(self, name: str) -> ctypes.c_void_p:
        self._check()
        f = self.functions.get(name)
        if f is None:
            f = ctypes.c_void_p()
            self._lib.call("aclrtBinaryGetFunction", self.handle, name.encode(), ctypes.byref(f))
            self.functions[name] = f
        return f

    def packer(self, kernel: Kernel) -> _Packer | None:
        """How to pack `kernel`'s arguments for the simulator's one-call launch (ascendpySimLaunch), made once.

        None on the NPU driver, or when the library's argument struct is not what the kernel's metadata
        describes: such a launch takes the ACL calls, which report the mismatch as before.
        """
        name = kernel.name
        if name in self._packers:
            return self._packers[name]
        packer = None
        if self._lib.has("ascendpySimLaunch"):
            n = len(kernel.params)
            out = (ctypes.c_uint64 * (2 + 2 * n))()
            self._lib.call("ascendpySimKernelLayout", self.function(name), out, len(out))
            if out[0] == n:
                packer = _Packer.make(kernel.params, out[1], [(out[2 + 2 * i], out[3 + 2 * i]) for i in range(n)])
        self._packers[name] = packer
        return packer

    def check_kernel_type(self, name: str, kernel_type: str, where: str) -> None:
        """The simulator runs `name` as the kernel type the artifact's metadata says (its cores depend on it)."""
        if name in self._typed or not self._lib.has("ascendpySimKernelType"):
            return
        from ascendpy.toolchain.entries import KERNEL_TYPES, SPLIT_KERNEL_TYPES

        got = ctypes.c_int32()
        self._lib.call("ascendpySimKernelType", self.function(name), ctypes.byref(got))
        have = KERNEL_TYPES[got.value] if 0 <= got.value < len(KERNEL_TYPES) else f"KernelMetaType {got.value}"
        want = kernel_type if kernel_type in SPLIT_KERNEL_TYPES else "KERNEL_TYPE_AIV_ONLY"  # 310P's: ignored
        if have != want:
            raise LaunchError(f"kernel '{name}' of {where} is {kernel_type} in its kernel.json, but the library "
                              f"declares {have}: the artifact's metadata and library disagree; rebuild it")
        self._typed.add(name)


_INTS = (int, np.integer)
_NO_EXTENT = (1 << 64) - 1  # ascendpySimLaunch: a parameter without an extent


class _Packer:
    """A kernel's argument struct as one struct.Struct (pointers as u64, scalars in their format, zero padding)."""

    __slots__ = ("args", "extents", "size")

    def __init__(self, args: struct.Struct, extents: struct.Struct, size: int) -> None:
        self.args = args
        self.extents = extents
        self.size = size

    @classmethod
    def make(cls, params: list[dict[str, Any]], size: int, layout: list[tuple[int, int]]) -> _Packer | None:
        fmt, pos = "<", 0
        for param, (off, nbytes) in zip(params, layout):
            if param["kind"] == "ptr":
                code = "Q"
            elif param["kind"] == "scalar" and param["dtype"] in _SCALAR_FORMATS:
                code = _SCALAR_FORMATS[param["dtype"]][0]
            else:
                return None
            if off < pos or struct.calcsize("<" + code) != nbytes:
                return None
            fmt += "x" * (off - pos) + code
            pos = off + nbytes
        if pos > size:
            return None
        fmt += "x" * (size - pos)
        return cls(struct.Struct(fmt), struct.Struct(f"<{len(params)}Q"), size)


class KernelLoader:
    """The kernels of one built artifact, loadable into any context."""

    def __init__(self, artifact: Artifact) -> None:
        self.artifact = artifact
        self._key = object()  # names this loader's binaries in each context's `_binaries`
        self._kernels: dict[str, Kernel] = {}  # made once per name: a Kernel works out its parameters up front

    @classmethod
    def from_module(cls, module: types.ModuleType | str | os.PathLike[str], target: str = "sim",
                    soc: str | None = None) -> KernelLoader:
        """Compile (or take from the cache) every @std.aiv_kernel of a module or a .py file."""
        from ascendpy.toolchain.python_kernels import build_module

        if not isinstance(module, types.ModuleType):
            module = _import_path(Path(module))
        return cls(build_module(module, target=target, soc=soc))

    @classmethod
    def from_file(cls, path: str | os.PathLike[str], target: str = "sim", soc: str | None = None) -> KernelLoader:
        """Compile an AscendC C++ file (or load a Python kernel file) for `target`."""
        p = Path(path)
        if p.suffix == ".py":
            return cls.from_module(p, target=target, soc=soc)
        from ascendpy.toolchain.compile import compile_file

        return cls(compile_file(p, target=target, soc=soc))

    @classmethod
    def from_artifact(cls, path: str | os.PathLike[str]) -> KernelLoader:
        from ascendpy.toolchain.compile import Artifact

        return cls(Artifact.open(path))

    @property
    def kernel_names(self) -> list[str]:
        return list(self.artifact.metadata["kernels"])

    def get_kernel(self, name: str) -> Kernel:
        kernel = self._kernels.get(name)
        if kernel is not None:
            return kernel
        meta = self.artifact.metadata["kernels"].get(name)
        if meta is None:
            have = self.kernel_names
            close = difflib.get_close_matches(str(name), have, n=1)
            raise KernelNotFoundError(f"no kernel '{name}' in {self.artifact.metadata['source']}"
                                      + (f" (did you mean '{close[0]}'?)" if close else "")
                                      + f"; it has: {', '.join(have) if have else 'no kernels'}")
        kernel = self._kernels[name] = Kernel(self, name, meta)
        return kernel

    def _check_target(self, context: Context) -> None:
        """An artifact runs only where it was built for: its driver, and its SoC family (architecture)."""
        meta = self.artifact.metadata
        driver = context.device.acl.driver
        built_sim = meta.get("target") == "sim"
        where = f"{meta['source']} ({self.artifact.library})"
        if built_sim != (driver == "sim"):
            hint = ("build it with target='sim' (ascend-compile --sim)" if driver == "sim"
                    else f"build it for this NPU with target='{context.device.soc_name}'")
            raise LaunchError(f"{where} was built for {'the simulator' if built_sim else meta.get('target')}, "
                              f"but this process runs on the {driver} driver; {hint}")
        built, here = meta.get("soc"), context.device.soc_name
        if built and here and _family(built) != _family(here):
            raise LaunchError(f"{where} was built for {built}, whose architecture differs from this device's "
                              f"({here}); rebuild it with soc='{here}' (ascend-compile --soc {here}"
                              f"{' --sim' if built_sim else ''}), or run on a {built} "
                              f"(the simulator's SoC is ASCENDPY_SIM_SOC)")

    def _binary(self, context: Context) -> _LoadedBinary:
        b = context._binaries.get(self._key)
        if b is None or b.closed:
            self._check_target(context)
            b = _LoadedBinary(context, self.artifact.library)
            context._binaries[self._key] = b
        return b


def _family(soc: str) -> str:
    """The architecture family of a SoC: binaries move freely within one (910B3 -> 910B4), not across."""
    from ascendpy.toolchain.targets import get_target

    try:
        return get_target(soc).family
    except ToolchainError:
        return soc


def _import_path(path: Path) -> types.ModuleType:
    import importlib.util

    p = path.resolve()
    spec = importlib.util.spec_from_file_location(f"ascendpy_kernels_{abs(hash(str(p)))}", p)
    if spec is None or spec.loader is None:
        raise LaunchError(f"cannot import kernel file {path}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


class Kernel:
    """One entry point. `kernel[block_dim, stream](*args)` or `kernel.launch(block_dim, stream, args)`."""

    def __init__(self, loader: KernelLoader, name: str, meta: dict[str, Any]) -> None:
        self.loader = loader
        self.name = name
        self.params: list[dict[str, Any]] = meta["params"]
        # "aiv" | "aic" | "mix", and the KernelMetaType name: which cores a launch runs (910B).
        self.kind: str = meta.get("kind", "aiv")
        self.kernel_type: str = meta.get("kernel_type", "KERNEL_TYPE_AIV_ONLY")
        sig = meta.get("signature")
        self.signature: list[tuple[str, str]] | None = [tuple(s) for s in sig] if sig else None  # type: ignore[misc]
        # The context last launched in, with what _loaded found for it there.
        self._last: tuple[weakref.ref[Context], weakref.ref[_LoadedBinary], ctypes.c_void_p, _Packer | None] | None \
            = None
        # Per parameter, worked out once: its description for errors and the element dtype it requires.
        self._labels: list[str] = []
        self._want: list[tuple[str, np.dtype] | None] = []
        for i, param in enumerate(self.params):
            declared = self.signature[i][1] if self.signature else None
            self._labels.append(f"argument {i} ('{param['name']}'{': ' + declared if declared else ''}) "
                                f"of kernel '{self.name}'")
            want = None
            if param["kind"] == "ptr":
                want = declared[4:-1] if declared else param["dtype"]
            self._want.append((want, numpy_dtype(_NUMPY_OF.get(want, want))) if want is not None else None)

    def __repr__(self) -> str:
        return f"<Kernel {self.name}({self._sig_text()})>"

    def _sig_text(self) -> str:
        if self.signature:
            return ", ".join(f"{n}: {t}" for n, t in self.signature)
        return ", ".join(f"{p['ctype']} {p['name']}" for p in self.params)

    def __getitem__(self, config: tuple[int, Stream]) -> Any:
        if not isinstance(config, tuple) or len(config) != 2:
            raise LaunchError(f"use kernel[block_dim, stream](...) to launch '{self.name}'")
        block_dim, stream = config

        def launch(*args: object, **kwargs: object) -> None:
            self.launch(block_dim, stream, args, **kwargs)

        launch.__qualname__ = launch.__name__ = f"{self.name}[{block_dim}, stream]"
        return launch

    def _bind(self, args: list[object], kwargs: dict[str, object]) -> list[object]:
        """Positional arguments, then keyword ones by parameter name, in the kernel's parameter order."""
        names = [n for n, _ in self.signature] if self.signature else [p["name"] for p in self.params]
        if len(args) > len(names) or (not kwargs and len(args) != len(names)):
            raise LaunchError(f"kernel '{self.name}' takes {len(self.params)} argument(s) "
                              f"({self._sig_text()}), got {len(args) + len(kwargs)}")
        if not kwargs:
            return args
        bound: dict[str, object] = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1)
                raise LaunchError(f"kernel '{self.name}' has no parameter '{key}'"
                                  + (f" (did you mean '{close[0]}'?)" if close else "")
                                  + f"; its parameters are ({self._sig_text()})")
            if key in bound:
                raise LaunchError(f"kernel '{self.name}' got parameter '{key}' twice: as argument "
                                  f"{names.index(key)} and by name")
            bound[key] = value
        missing = [n for n in names if n not in bound]
        if missing:
            raise LaunchError(f"kernel '{self.name}' is missing argument(s) {', '.join(repr(m) for m in missing)}; "
                              f"its parameters are ({self._sig_text()})")
        return [bound[n] for n in names]

    def launch(self, block_dim: int, stream: Stream, args: list[object] | tuple[object, ...] = (), /,
               **kwargs: object) -> None:
        """Queue the kernel on `stream`; returns at once. Faults surface at `stream.synchronize()`.

        Arguments go positionally in `args`, by parameter name as keywords, or both (as in a Python call).
        """
        if not isinstance(stream, Stream):
            raise LaunchError(f"launching '{self.name}': expected a Stream, got {type(stream).__name__}")
        stream._check()
        if isinstance(block_dim, bool) or not isinstance(block_dim, _INTS) \
                or not 1 <= int(block_dim) <= 65535:
            raise LaunchError(f"launching '{self.name}': block_dim must be an integer in [1, 65535], "
                              f"got {block_dim!r}")
        args = self._bind(list(args), kwargs)
        ctx = stream.context
        values: list[int | float] = []  # per parameter: the pointer or scalar value
        reach: list[int] = []  # per parameter: the bytes a pointer reaches (GM); _NO_EXTENT for a scalar
        buffers: list[DeviceBuffer] = []
        for i, (param, arg) in enumerate(zip(self.params, args)):
            label = self._labels[i]
            if param["kind"] == "ptr":
                if not isinstance(arg, DeviceBuffer):
                    raise LaunchError(f"{label} must be a DeviceBuffer, got {type(arg).__name__}")
                arg._check()
                if arg.context is not ctx:
                    raise LaunchError(f"{label}: the buffer belongs to {arg.context!r}, but the stream to "
                                      f"{ctx!r}; copy it into the stream's context first")
                want = self._want[i]
                if want is not None and arg._dtype != want[1]:
                    raise LaunchError(f"{label} expects elements of {want[0]} ({want[1]}) but got "
                                      f"a DeviceBuffer of {arg.dtype}")
                values.append(arg.ptr.value or 0)
                reach.append(arg.nbytes)
                buffers.append(arg)
            elif param["kind"] == "scalar":
                values.append(self._scalar_value(label, param["dtype"], arg))
                reach.append(_NO_EXTENT)
            else:
                raise LaunchError(f"{label} has C++ type `{param['ctype']}`, which ascendpy cannot pass yet; "
                                  "pass tiling data through a GM buffer")
        binary, func, packer = self._loaded(ctx)
        lib = ctx._lib
        if packer is not None:  # the simulator: the whole launch in one call (the stream names the context)
            blob = packer.args.pack(*values)
            extents = packer.extents.pack(*reach)
        else:
            packed = [(ctypes.c_uint64(int(v)), 8) if p["kind"] == "ptr" else self._scalar_bytes(p["dtype"], v)
                      for p, v in zip(self.params, values)]
        for b in buffers:  # ordered after other streams' queued work on these buffers
            b._wait(except_stream=stream)
        # Buffers and stream stay locked (cannot be closed on another thread) until the launch is queued.
        with stream._using(*buffers):
            if packer is not None:
                _queue_on(stream, buffers, [binary])  # kept alive until the launch completes
                lib.call("ascendpySimLaunch", func, int(block_dim), stream.handle, blob, packer.size, extents)
                return
            ctx._activate()
            handle = ctypes.c_void_p()
            lib.call("aclrtKernelArgsInit", func, ctypes.byref(handle))
            for (data, size), r in zip(packed, reach):
                param_handle = ctypes.c_void_p()
                lib.call("aclrtKernelArgsAppend", handle, ctypes.byref(data), size, ctypes.byref(param_handle))
                if r != _NO_EXTENT:  # a view bounds the kernel's accesses where the driver checks them
                    lib.kernel_arg_extent(handle, param_handle, r)
            lib.call("aclrtKernelArgsFinalize", handle)
            _queue_on(stream, buffers, [binary])  # kept alive until the launch completes
            lib.call("aclrtLaunchKernelWithConfig", func, int(block_dim), stream.handle, None, handle, None)

    def _loaded(self, ctx: Context) -> tuple[_LoadedBinary, ctypes.c_void_p, _Packer | None]:
        """The kernel's library in `ctx` (loaded on first use), its function handle and packer; kept per context."""
        last = self._last
        if last is not None and last[0]() is ctx:
            binary = last[1]()
            if binary is not None and not binary.closed:
                return binary, last[2], last[3]
        binary = self.loader._binary(ctx)
        func = binary.function(self.name)
        binary.check_kernel_type(self.name, self.kernel_type, self.loader.artifact.metadata["source"])
        packer = binary.packer(self)
        self._last = (weakref.ref(ctx), weakref.ref(binary), func, packer)  # weak: a Kernel keeps no runtime alive
        return binary, func, packer

    @staticmethod
    def _scalar_bytes(dtype: str, value: int | float) -> tuple[Any, int]:
        """A checked scalar (_scalar_value) as the bytes aclrtKernelArgsAppend takes, and their size."""
        data = struct.pack("<" + _SCALAR_FORMATS[dtype][0], value)
        # Scalars narrower than 4 bytes still occupy a 4-byte slot in the bisheng ABI.
        size = len(data)
        return ctypes.create_string_buffer(data.ljust(max(size, 1), b"\0"), size), size

    def _scalar_value(self, label: str, dtype: str, value: object) -> int | float:
        """`value` checked for a scalar parameter of type `dtype`: the int (integer types) or float to pack."""
        fmt, kind = _SCALAR_FORMATS.get(dtype, (None, None))  # type: ignore[assignment]
        if fmt is None:
            raise LaunchError(f"{label} has scalar type {dtype}, which ascendpy cannot pass yet")
        if isinstance(value, DeviceBuffer) or not isinstance(value, int | float | bool | np.number | np.bool_):
            raise LaunchError(f"{label} is a {dtype} scalar; got {type(value).__name__}")
        if kind in "ui":
            if isinstance(value, float | np.floating):
                raise LaunchError(f"{label} is an integer ({dtype}); got the float {value!r}")
            v = int(value)  # type: ignore[arg-type]
            bits = struct.calcsize(fmt) * 8
            lo, hi = (0, (1 << bits) - 1) if kind == "u" else (-(1 << (bits - 1)), (1 << (bits - 1)) - 1)
            if not lo <= v <= hi:
                raise LaunchError(f"{label} must be in [{lo}, {hi}] for {dtype}; got {v}")
            return v
        return float(value)  # type: ignore[arg-type]
