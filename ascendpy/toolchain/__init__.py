"""Toolchain hub: targets, host and bisheng compilers, the artifact cache."""
