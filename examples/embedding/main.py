"""Embedding lookup on the NPU (or the simulator) against numpy: python -m examples.embedding.main"""

import numpy as np

from ascendpy import Acl, Context, Device, Stream

from . import kernels


def run(stream: object, ids: np.ndarray, table: np.ndarray, blocks: int = 4) -> np.ndarray:
    """out = table[ids] with the kernel for table's dtype, on `blocks` blocks."""
    kernel = kernels.embedding_f32 if table.dtype == np.float32 else kernels.embedding_f16
    out = np.zeros((len(ids), table.shape[1]), table.dtype)
    kernel[blocks, stream](ids, table, out, len(ids), table.shape[1])
    return out


def main() -> None:
    rng = np.random.default_rng(0)
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        for dtype, vocab, d in ((np.float32, 3000, 37), (np.float16, 5000, 64)):
            table = rng.standard_normal((vocab, d)).astype(dtype)  # 444 KB / 640 KB: larger than UB
            ids = np.concatenate([[0, vocab - 1, 7, 7], rng.integers(0, vocab, 196)]).astype(np.int32)
            out = run(stream, ids, table)
            err = float(np.max(np.abs(out.astype(np.float64) - table[ids].astype(np.float64))))
            print(f"embedding {np.dtype(dtype).name} [{vocab} x {d}] x {len(ids)} tokens on {device.soc_name} "
                  f"({acl.driver}): max error {err}")
            assert err == 0.0


if __name__ == "__main__":
    main()
