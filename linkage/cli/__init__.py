"""The ``mash`` command line (``mash --help``): :func:`main` is its entry point."""

from linkage.cli.app import main


__all__ = ["main"]
