"""Reading and writing cassette files: redacted on the way out, written atomically, errors with the line.

Registered with vcrpy as its serializer (``harness``) and persister, through pytest-recording's
``pytest_recording_configure`` hook.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vcr.persisters.filesystem import CassetteNotFoundError
from vcr.serialize import deserialize, serialize

from harness.recording import _format
from harness.recording._redact import redact_document


class CassetteSerializer:
    """vcrpy's serializer interface over `harness.recording._format`, redacting what it writes.

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
            line = exc.object[: exc.start].count(b"\n") + 1
            raise _format.CassetteFormatError(problem, line=line, path=str(path)) from None
        if not text.strip():
            raise CassetteNotFoundError()  # an empty file is recorded again, as vcrpy does
        try:
            return deserialize(text, serializer)
        except _format.CassetteFormatError as error:
            raise error.at(str(path)) from None

    @staticmethod
    def save_cassette(cassette_path: str | os.PathLike[str], cassette_dict: Any, serializer: Any) -> None:
        write_atomically(Path(cassette_path), serialize(cassette_dict, serializer))


def write_atomically(path: Path, text: str) -> None:
    """``text`` into ``path`` whole or not at all: a temporary file beside it, then a rename.

    The file ends with the mode an in-place write gives it: an existing file keeps its own, a new one
    gets 0666 less the umask, like every other file the run writes (mkstemp's 0600 would hide it from
    the other accounts a umask of 022 lets read it).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(6).hex()}.tmp")
    handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies here
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
