"""The ways replay can fail, each with its own error and the command that fixes it."""

from __future__ import annotations

from collections.abc import Sequence

from harness.errors import HarnessError


def _rerun(test_id: str | None, mode: str) -> str:
    target = f" '{test_id}'" if test_id else ""
    return f"pytest --record-mode={mode}{target}"


class CassetteError(HarnessError):
    """Replaying or recording a cassette went wrong."""


class NoCassetteError(CassetteError):
    """A request was made in a replay-only mode and the test has no cassette yet."""

    def __init__(self, *, path: str, record_mode: str, request_line: str, test_id: str | None = None) -> None:
        self.path = path
        super().__init__(
            f"no cassette at {path} (record mode {record_mode!r}), so {request_line} has no recorded answer. "
            f"Record it with real keys: {_rerun(test_id, 'once')}"
        )


class NoMatchError(CassetteError):
    """The cassette has no recorded request like this one."""

    def __init__(
        self,
        *,
        path: str,
        record_mode: str,
        request_line: str,
        nearest: str | None,
        differences: Sequence[str],
        test_id: str | None = None,
    ) -> None:
        self.path = path
        self.differences = list(differences)
        lines = [f"cassette {path} (record mode {record_mode!r}) has no recorded request matching {request_line}."]
        if nearest is not None:
            lines.append(f"Nearest recorded request: {nearest}; it differs in:")
            lines += [f"  {difference}" for difference in differences] or ["  (nothing matched on; check headers)"]
        lines.append(
            f"If the request changed on purpose, record again: {_rerun(test_id, 'rewrite')} "
            f"(or {_rerun(test_id, 'new_episodes')} to keep the other answers)."
        )
        super().__init__("\n".join(lines))


class AlreadyPlayedError(CassetteError):
    """The request matched, but its recorded answer was already used in this test."""

    def __init__(self, *, path: str, request_line: str, times: int) -> None:
        self.path = path
        super().__init__(
            f"cassette {path}: the recorded answer for {request_line} was already used ({times} recorded, "
            "each plays once). If the test sends it again on purpose, allow repeats with "
            "@pytest.mark.vcr(allow_playback_repeats=True) or allow_playback_repeats in vcr_config, "
            "or record the repeat: pytest --record-mode=new_episodes"
        )


class UnplayedInteractionsError(CassetteError):
    """The test left recorded interactions unplayed: it no longer sends what was recorded."""

    def __init__(self, *, path: str, unplayed: Sequence[str]) -> None:
        self.path = path
        self.unplayed = list(unplayed)
        listed = "\n".join(f"  {line}" for line in unplayed[:10])
        more = f"\n  ... and {len(unplayed) - 10} more" if len(unplayed) > 10 else ""
        super().__init__(
            f"cassette {path}: {len(unplayed)} recorded interaction(s) were never played:\n{listed}{more}\n"
            "Record the cassette again (pytest --record-mode=rewrite), or allow it for this test with "
            "@pytest.mark.providers(..., allow_unplayed=True) or everywhere with harness_allow_unplayed = true."
        )


class CassetteFormatError(HarnessError, ValueError):
    """A cassette file that cannot be read: names the file (when known), the line and the problem."""

    def __init__(self, problem: str, *, line: int | None = None, path: str | None = None) -> None:
        self.problem = problem
        self.line = line
        self.path = path
        where = path or "cassette"
        if line is not None:
            where += f":{line}"
        super().__init__(f"{where}: {problem}")

    def at(self, path: str) -> CassetteFormatError:
        """The same error, naming ``path``."""
        return CassetteFormatError(self.problem, line=self.line, path=path)
