"""The vec_mul host program of the ascend-rs book, chapter 3: launch on 2 blocks and verify.

Run from the repository root:  python -m examples.vec_mul.main
"""

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, KernelLoader, MallocPolicy, Stream

from . import gen_data, kernels


def main() -> None:
    if not (gen_data.DATA / "input_x.bin").exists():
        gen_data.main()
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        x_host = np.fromfile(gen_data.DATA / "input_x.bin", dtype=np.uint16)
        y_host = np.fromfile(gen_data.DATA / "input_y.bin", dtype=np.uint16)
        x_dev = DeviceBuffer.from_numpy(x_host, policy=MallocPolicy.HUGE_FIRST)
        y_dev = DeviceBuffer.from_numpy(y_host, policy=MallocPolicy.HUGE_FIRST)
        z_dev = DeviceBuffer.empty(np.uint16, len(x_host), policy=MallocPolicy.HUGE_FIRST)
        kernel = KernelLoader.from_module(kernels).get_kernel("mul")
        kernel.launch(2, stream, [x_dev, y_dev, z_dev])  # also: kernel[2, stream](x_dev, y_dev, z_dev)
        stream.synchronize()
        z = z_dev.to_numpy()
        assert (z == x_host * y_host).all(), f"mismatch:\n{z}\n{x_host * y_host}"
        print(f"vec_mul on {device.soc_name} ({acl.driver}): {len(z)} elements correct, e.g. "
              f"{x_host[0]} * {y_host[0]} = {z[0]} (mod 2^16)")


if __name__ == "__main__":
    main()
