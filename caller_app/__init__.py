"""Desktop caller app of the virtual phone bank."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("caller-app")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

SUPPORTED_API = 1
