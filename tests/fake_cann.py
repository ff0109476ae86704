"""A fake CANN install for tests: toolkit trees of the 8.x and 9.x layouts with a `bisheng` shell script.

The fake `bisheng` records its argv and LD_PRELOAD, prints a version for `--version`, writes the
`-o` file, and fails with a clang-style error when the source holds the marker FAKE_BISHENG_FAIL or
the variable FAKE_BISHENG_FAIL is set. Like clang, it finds each `#include "x.h"` of the source in
the -iquote and -I directories: the object records each header's text, and `-MF FILE` gets a Make
rule naming the headers found (unless FAKE_BISHENG_NO_DEPFILE is set).
"""

from __future__ import annotations

from pathlib import Path

FAKE_BISHENG = r"""#!/bin/sh
here="$(dirname "$0")"
if [ "$1" = "--version" ]; then
  echo x >> "$here/version-calls.log"
  echo "bisheng version 9.9.9-fake (clang 15.0.5)"
  echo "Target: x86_64-unknown-linux-gnu"
  exit 0
fi
: > "$here/argv.log"
for a in "$@"; do printf '%s\n' "$a" >> "$here/argv.log"; done
printf 'LD_PRELOAD=%s\n' "${LD_PRELOAD-<unset>}" > "$here/env.log"
printf 'ASCENDPY_TEST_MARK=%s\n' "${ASCENDPY_TEST_MARK-<unset>}" >> "$here/env.log"
prev=""; src=""; out=""; dep=""; dirs=""
for a in "$@"; do
  [ "$a" = "-o" ] && src="$prev"
  [ "$prev" = "-o" ] && out="$a"
  [ "$prev" = "-MF" ] && dep="$a"
  [ "$prev" = "-iquote" ] && dirs="$dirs $a"
  case "$a" in -I?*) dirs="$dirs ${a#-I}";; esac
  prev="$a"
done
if [ -n "$FAKE_BISHENG_FAIL" ] || grep -q FAKE_BISHENG_FAIL "$src" 2>/dev/null; then
  echo "$src:12:5: error: use of undeclared identifier 'oops'" >&2
  echo "   12 |     oops();" >&2
  echo "kernel.py:7:3: note: in the kernel written here" >&2
  echo "1 error generated." >&2
  exit 1
fi
printf 'fake object of %s\n' "$src" > "$out"
for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src"); do
  for d in $dirs; do
    if [ -f "$d/$h" ]; then printf 'includes %s\n' "$(cat "$d/$h")" >> "$out"; break; fi
  done
done
if [ -n "$dep" ] && [ -z "$FAKE_BISHENG_NO_DEPFILE" ]; then
  printf '%s: %s' "$out" "$src" > "$dep"
  for h in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$src"); do
    for d in $dirs; do
      if [ -f "$d/$h" ]; then printf ' \\\n %s' "$d/$h" >> "$dep"; break; fi
    done
  done
  printf '\n' >> "$dep"
fi
"""

INSTALL_INFO = """package_name=Ascend-cann-toolkit
version={v}
innerversion=V100R001C21SPC001B238
arch={arch}
os=linux
"""
VERSION_CFG = "# version: 1.0\nruntime_running_version=[7.7.0.1.238:{v}]\ncompiler_running_version=[7.7.0.1.238:{v}]\n"
TIK = ("tikcpp/tikcfw", "tikcpp/tikcfw/interface", "tikcpp/tikcfw/impl")
ASC = ("asc/impl/basic_api", "asc", "asc/include", "asc/include/basic_api")  # a subset of 9.x's list


def write_bisheng(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE_BISHENG)
    path.chmod(0o755)
    return path


def make_cann(root: Path, *, layout: str = "8.x", devkit: str = "tools", arch: str = "x86_64",
              version: str | None = "8.1.RC1", version_file: str | None = "install_info",
              header: bool = True) -> Path:
    """A fake toolkit root: bisheng under <root>/<devkit>/ccec_compiler/bin, headers, version records."""
    write_bisheng(root / devkit / "ccec_compiler" / "bin" / "bisheng")
    for sub in (*ASC, *TIK) if layout == "9.x" else TIK:
        (root / devkit / sub).mkdir(parents=True, exist_ok=True)
    vdir = root / "include" / "version"
    if header:
        vdir.mkdir(parents=True, exist_ok=True)
        (vdir / "cann_version.h").write_text(
            f'#define CANN_VERSION_STR "{version}"\n' if version_file == "header" else "#define CANN_VERSION 1\n")
        if layout == "9.x":
            (vdir / "asc_devkit_version.h").write_text('#define ASC_DEVKIT_VERSION_STR "9.0"\n')
    if version_file == "install_info":
        (root / f"{arch}-linux").mkdir(parents=True, exist_ok=True)
        (root / f"{arch}-linux" / "ascend_toolkit_install.info").write_text(INSTALL_INFO.format(v=version, arch=arch))
    elif version_file == "cfg":
        (root / "version.cfg").write_text(VERSION_CFG.format(v=version))
    elif version_file == "version_info":
        (root / "compiler").mkdir(parents=True, exist_ok=True)
        (root / "compiler" / "version.info").write_text(f"Version=7.7.0.1.238\nversion_dir={version}\n")
    return root
