"""Errors an import reports to the person running it: one line, naming the file and what was expected."""

from __future__ import annotations

from pathlib import Path


class SourceFileError(Exception):
    """A whole-file problem (missing file, unknown format, missing column, bad CRS)."""

    def __init__(self, path: Path | str, message: str):
        self.path = Path(path)
        self.message = message
        super().__init__(f"{self.path}: {message}")


class ManifestError(Exception):
    """The city manifest itself is wrong; the message names the manifest and the key."""
