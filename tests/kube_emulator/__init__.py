"""A Kubernetes API emulator serving Hedgehog custom resources, for tests, the demo and benchmarks, and hostile
Kubernetes API servers for the tests of the source's limits."""
from .hostile import BEHAVIOURS, HostileKubeServer
from .server import EMULATED_KINDS, KubeEmulator, LoggedRequest

__all__ = ("BEHAVIOURS", "EMULATED_KINDS", "HostileKubeServer", "KubeEmulator", "LoggedRequest")
