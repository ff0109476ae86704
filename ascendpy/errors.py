"""Exceptions shared by every layer.

They live in one light module so that `import ascendpy` and loading a built
kernel never import the compiler to learn what a `CompileError` is.
"""

from __future__ import annotations


class AscendpyError(Exception):
    """Base class of every error ascendpy raises on purpose."""


class CompileError(AscendpyError):
    """A kernel (Python or AscendC C++) cannot be compiled.

    `filename` and `lineno` point at the user's source line when known.
    """

    def __init__(self, message: str, filename: str | None = None, lineno: int | None = None,
                 kernel: str | None = None) -> None:
        self.message = message
        self.filename = filename
        self.lineno = lineno
        self.kernel = kernel
        where = ""
        if filename is not None:
            where = f"{filename}:{lineno}: " if lineno is not None else f"{filename}: "
        in_kernel = f"in kernel '{kernel}': " if kernel else ""
        super().__init__(f"{where}{in_kernel}{message}")


class ValidationError(CompileError):
    """The toolchain hub's validator found errors in AscendC C++; `diagnostics` holds every finding."""

    def __init__(self, diagnostics: list, source_name: str | None = None) -> None:
        self.diagnostics = list(diagnostics)
        errors = [d for d in self.diagnostics if d.severity == "error"]
        first = errors[0] if errors else (self.diagnostics[0] if self.diagnostics else None)
        text = "\n".join(str(d) for d in self.diagnostics)
        count = f"{len(errors)} validation error{'s' if len(errors) != 1 else ''}"
        super().__init__(f"{count} (fix them, or compile with --no-validate / validate=False):\n{text}",
                         (first.filename if first and first.filename else source_name),
                         (first.mapped_line if first.mapped_line is not None else first.line) if first else None)


class ValidationWarning(UserWarning):
    """A validator finding that does not stop the build (shown, never dropped)."""


class ToolchainError(AscendpyError):
    """A compiler or tool could not be found or failed to run."""


class CacheError(ToolchainError):
    """The artifact cache cannot be used safely (a directory others can write or do not own, a link, a file
    in a directory's place) or at all (read-only, full); the message names ASCENDPY_CACHE_DIR and the fix."""


class ResourceClosedError(AscendpyError):
    """A runtime object (device, context, stream, buffer, ...) was used after close()."""


class LaunchError(AscendpyError, TypeError):
    """A kernel launch was given arguments that do not match the kernel."""


class KernelNotFoundError(AscendpyError, KeyError):
    """`loader.get_kernel(name)` named a kernel the artifact does not have; the message lists those it has."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


def user_stacklevel() -> int:
    """The `stacklevel` that makes a warning issued here point at the user's code.

    That is the first caller outside the ascendpy package (its own tests and examples count as users), or
    the outermost frame when every caller is ascendpy's (the `ascend-compile` command).
    """
    import os
    import sys

    pkg = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1  # the function calling warnings.warn is level 1
    while frame.f_back is not None and frame.f_code.co_filename.startswith(pkg):
        frame, level = frame.f_back, level + 1
    return level
