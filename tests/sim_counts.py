"""The simulator's own counts of what is alive, for leak checks in tests."""

from __future__ import annotations

from typing import Any


def _lib(acl_or_lib: Any) -> Any:
    return getattr(acl_or_lib, "lib", acl_or_lib)


def live_allocations(acl_or_lib: Any) -> int:
    """Device allocations alive in the simulator (an Acl or its AclLib)."""
    return int(_lib(acl_or_lib).fn("ascendpySimLiveAllocations")())


def live_handles(acl_or_lib: Any) -> int:
    """Contexts, streams, events and binaries alive in the simulator."""
    return int(_lib(acl_or_lib).fn("ascendpySimLiveHandles")())
