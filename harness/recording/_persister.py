"""Reading and writing cassette files: redacted on the way out, written atomically, errors with the line.

Registered with vcrpy as its serializer (``harness``) and persister, through pytest-recording's
``pytest_recording_configure`` hook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import deserialize, serialize

from harness.recording import _format
from harness.recording._redact import redact_document


class CassetteSerializer:
    """vcrpy's serializer interface over :mod:`harness.recording._format`, redacting what it writes.

    Redaction happens here, at the last step before disk, so no hook or record mode can skip it.
    """

    def __init__(self, secrets: Sequence[str] = ()) -> None:
        self.secrets = tuple(secrets)

    def serialize(self, data: dict[str, Any]) -> str:
        return _format.serialize(redact_document(data, self.secrets))

    def deserialize(self, text: str) -> dict[str, Any]:
        return _format.deserialize(text)


class AtomicPersister:
    """Files written whole or not at all: a temporary file beside the cassette, then a rename.

    Under pytest-xdist two workers never interleave in one file, and an interrupted run never
    leaves half a cassette.
    """

    @staticmethod
    def load_cassette(cassette_path: str | os.PathLike[str], serializer: Any) -> Any:
        path = Path(cassette_path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise CassetteNotFoundError() from None
        except UnicodeDecodeError as exc:
            problem = f"not UTF-8 text ({exc.reason} at byte {exc.start})"
            raise _format.CassetteFormatError(problem, path=str(path)) from None
        if not text.strip():
            raise CassetteNotFoundError()  # an empty file is recorded again, as vcrpy does
        try:
            return deserialize(text, serializer)
        except _format.CassetteFormatError as error:
            raise error.at(str(path)) from None

    @staticmethod
    def save_cassette(cassette_path: str | os.PathLike[str], cassette_dict: Any, serializer: Any) -> None:
        path = Path(cassette_path)
        text = serialize(cassette_dict, serializer)
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
