"""Central server of the virtual phone bank: campaigns, leased contact batches, results."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("caller-app")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

API_VERSION = 1
