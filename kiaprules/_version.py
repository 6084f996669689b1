"""The library's version: one home, read by the package, receipts and the build."""

__version__ = "0.1.0"
