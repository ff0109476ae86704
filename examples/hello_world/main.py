"""Hello world: initialise ACL, open a device, print what it is, tear down cleanly.

Run from the repository root:  python -m examples.hello_world.main
"""

from ascendpy import Acl, Context, Device, Stream


def main() -> None:
    with Acl() as acl:
        print(f"ACL driver: {acl.driver}, run mode: {acl.run_mode.name}, devices: {Device.count(acl)}")
        with Device(acl) as device, Context(device) as ctx, Stream(ctx) as stream:
            mem = device.mem_info()
            print(f"device {device.id}: {device.soc_name}, {device.ai_core_count} AI cores, "
                  f"{device.vector_core_count} vector cores, "
                  f"{mem.free / 2**30:.1f} of {mem.total / 2**30:.1f} GiB free")
            stream.synchronize()
    print("hello, world: everything released")


if __name__ == "__main__":
    main()
