"""The device-language kernels behind ascendpy.ops, one module per operator family."""
