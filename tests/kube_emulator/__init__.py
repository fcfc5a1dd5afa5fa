"""A Kubernetes API emulator serving Hedgehog custom resources, for tests, the demo and benchmarks."""
from .server import EMULATED_KINDS, KubeEmulator, LoggedRequest

__all__ = ("EMULATED_KINDS", "KubeEmulator", "LoggedRequest")
