"""The CPU simulator: the AscendC API (include/) and the ACL C ABI (src/) on the host."""
