"""Errors the library raises; the CLI alone turns them into messages and exit codes."""
from __future__ import annotations

from enum import IntEnum
from pathlib import Path


class ExitCode(IntEnum):
    ok = 0
    bad_args = 1
    input_file = 2
    """At least one document could not be read; the others were processed."""
    missing_dependency = 3
    output_busy = 4
    """Another run holds the output folder (with --no-wait)."""
    output = 5
    """The outputs could not be written (disk full, read-only); the earlier ones are untouched."""
    ctrl_c = 130


class FichasError(Exception):
    """Base error: carries its exit code and a message that says what to do next."""

    exit_code = ExitCode.bad_args
    hint = ""

    def __str__(self) -> str:
        text = super().__str__()
        return f"{text} ({self.hint})" if self.hint else text


class InputFileError(FichasError):
    """A document that cannot be read. The batch goes on without it."""

    exit_code = ExitCode.input_file

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class EncryptedPdfError(InputFileError):
    hint = "pass its password with --password, or remove the protection with `qpdf --decrypt`"


class MissingDependencyError(FichasError):
    exit_code = ExitCode.missing_dependency


class TemplateError(FichasError):
    """A template file that does not validate; names the file and the key."""


class OutputBusyError(FichasError):
    """Another run is writing the same output folder."""

    exit_code = ExitCode.output_busy
    hint = "wait for it to end, run again without --no-wait to wait, or choose another --out"


class OutputError(FichasError):
    """An output file that cannot be written: the run stops, the earlier outputs stay whole."""

    exit_code = ExitCode.output
    hint = "free some space or make the folder writable, or choose another --out; the earlier outputs are untouched"

    def __init__(self, path: Path | str, reason: str):
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"{self.path}: cannot write: {reason}")
