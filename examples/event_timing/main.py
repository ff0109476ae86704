"""Time a kernel launch with events, the way ascend-rs's AclEvent::elapsed_time does.

Run from the repository root:  python -m examples.event_timing.main
"""

import numpy as np

from ascendpy import Acl, Context, Device, DeviceBuffer, Event, KernelLoader, Stream

from . import kernels


def main(n: int = 1 << 20) -> None:
    rng = np.random.default_rng()
    with Acl() as acl, Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
        x = rng.standard_normal(n, dtype=np.float32)
        x_dev, y_dev = DeviceBuffer.from_numpy(x), DeviceBuffer.empty(np.float32, n)
        scale = KernelLoader.from_module(kernels).get_kernel("scale")
        start, end = Event(ctx), Event(ctx)
        start.record(stream)
        scale[device.vector_core_count, stream](x_dev, y_dev, 2.0, n)
        end.record(stream)
        end.synchronize()
        ms = Event.elapsed_ms(start, end)
        assert (y_dev.to_numpy() == 2 * x).all()
        print(f"scale of {n} f32 on {device.vector_core_count} blocks ({acl.driver}): {ms:.3f} ms, "
              f"{2 * x.nbytes / ms / 1e6:.2f} GB/s")


if __name__ == "__main__":
    main()
