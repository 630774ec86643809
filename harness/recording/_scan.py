"""Find credentials in cassette files before they are committed.

Recording redacts what it knows (secret headers, ``key=``, the keys in the environment); this looks for
what it could not know: a key pasted into a prompt, a token from another account, a cassette written by
another tool. It recognises the shapes of provider keys and tokens, so it needs no environment.

The placeholder ``REDACTED`` and obviously fake keys (``sk-test-...``, ``sk-fake-...``, ``xxxx...``) are
not reported: test suites are full of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The suffixes of the files a directory is searched for.
CASSETTE_SUFFIXES = frozenset({".yaml", ".yml", ".json"})


@dataclass(frozen=True)
class Finding:
    """A credential in a file: where, what kind, and an excerpt that does not repeat it."""

    line: int
    kind: str
    excerpt: str


# Most specific first: a match inside an earlier one's span is not reported again (a JWT or an OpenAI
# key sent as ``Bearer ...`` is reported once, as what it is). Each pattern's last group is the secret.
_TOKEN_END = r"(?![A-Za-z0-9_\-])"
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("anthropic-key", re.compile(r"(?<![A-Za-z0-9_\-])(sk-ant-[A-Za-z0-9_\-]{20,})")),
    # The OpenAI-compatible servers' shapes: OpenRouter ``sk-or-v1-`` + hex, Groq ``gsk_``, xAI ``xai-``,
    # Together ``tgp_v1_``. DeepSeek's ``sk-`` + hex reads as an OpenAI key; Mistral's keys have no prefix
    # (redacted from the environment, not found by shape).
    ("openrouter-key", re.compile(r"(?<![A-Za-z0-9_\-])(sk-or-v1-[0-9a-f]{32,})" + _TOKEN_END)),
    ("groq-key", re.compile(r"(?<![A-Za-z0-9_\-])(gsk_[A-Za-z0-9]{40,})" + _TOKEN_END)),
    ("xai-key", re.compile(r"(?<![A-Za-z0-9_\-])(xai-[A-Za-z0-9]{40,})" + _TOKEN_END)),
    ("together-key", re.compile(r"(?<![A-Za-z0-9_\-])(tgp_v1_[A-Za-z0-9_\-]{30,})" + _TOKEN_END)),
    # Legacy ``sk-<48>``, project ``sk-proj-``, service account ``sk-svcacct-`` and admin keys alike.
    ("openai-key", re.compile(r"(?<![A-Za-z0-9_\-])(sk-(?!ant-)[A-Za-z0-9_\-]{20,})")),
    ("google-api-key", re.compile(r"(?<![A-Za-z0-9_\-])(AIza[0-9A-Za-z_\-]{35})" + _TOKEN_END)),
    ("google-oauth-token", re.compile(r"(?<![A-Za-z0-9_\-])(ya29\.[0-9A-Za-z_\-.]{20,})")),
    # Azure OpenAI keys carry no prefix: 32 hexadecimal characters (older resources) or 84 letters and digits
    # (newer ones). Only a value given as ``api-key`` on the same line is reported, so ids and hashes are not.
    (
        "azure-openai-key",
        re.compile(r"(?i:api-key)[\"']?\s*[:=]\s*[\[\"'\s-]*([0-9a-fA-F]{32}|[A-Za-z0-9]{84})" + _TOKEN_END),
    ),
    ("jwt", re.compile(r"(?<![A-Za-z0-9_\-])(eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,})")),
    ("bearer-token", re.compile(r"\b(?i:bearer)\s+([A-Za-z0-9_\-.~+/]{20,}=*)")),
)

# A fake key says so in one of its dash/underscore/dot-separated words (``sk-test-...``,
# ``sk-ant-fake_...``), or is too uniform to be random (``sk-`` + ``x`` * 40).
_FAKE_WORDS = frozenset({"test", "fake", "dummy", "example", "placeholder", "mock", "redacted", "invalid", "your"})
_MIN_DISTINCT_CHARACTERS = 8


def scan_text(text: str, *, secrets: Sequence[str] = ()) -> list[Finding]:
    """Every credential in ``text``, in order, with its 1-based line.

    ``secrets`` are values to report wherever they appear whatever their shape (the keys in the
    environment, from `harness.recording._redact.secret_values`), as kind ``environment-secret``.
    """
    findings: list[Finding] = []
    for number, line in enumerate(text.splitlines(), start=1):
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, Finding]] = []
        for secret in secrets:
            if not secret:
                continue
            start = line.find(secret)
            while start != -1:
                taken.append((start, start + len(secret)))
                found.append((start, Finding(number, "environment-secret", _mask(secret))))
                start = line.find(secret, start + len(secret))
        for kind, pattern in _PATTERNS:
            for match in pattern.finditer(line):
                start, end = match.span(match.lastindex or 0)
                token = match.group(match.lastindex or 0)
                if any(start < other_end and other_start < end for other_start, other_end in taken):
                    continue
                taken.append((start, end))
                if not _looks_fake(token):
                    found.append((start, Finding(number, kind, _mask(token))))
        findings += [finding for _, finding in sorted(found, key=lambda item: item[0])]
    return findings


def scan_paths(paths: Iterable[str | os.PathLike[str]], *, secrets: Sequence[str] = ()) -> dict[Path, list[Finding]]:
    """Every file scanned, with its findings (empty when clean), in the order given.

    A directory is searched recursively for cassette files (``.yaml``, ``.yml``, ``.json``), skipping
    hidden directories (``.git``, ``.venv``); a file named explicitly is scanned whatever its suffix.
    A path that does not exist raises `FileNotFoundError`.
    """
    results: dict[Path, list[Finding]] = {}
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = _cassette_files(path)
        elif path.exists():
            files = [path]
        else:
            raise FileNotFoundError(f"no such file or directory: {path}")
        for file in files:
            if file not in results:
                # Undecodable bytes cannot hide an ASCII key: replace them and scan the rest.
                results[file] = scan_text(file.read_text(encoding="utf-8", errors="replace"), secrets=secrets)
    return results


def _cassette_files(directory: Path) -> list[Path]:
    files: list[Path] = []
    for root, dirnames, filenames in os.walk(directory):
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        files += [Path(root, name) for name in sorted(filenames) if Path(name).suffix.lower() in CASSETTE_SUFFIXES]
    return files


def _looks_fake(token: str) -> bool:
    words = {word.lower() for word in re.split(r"[-_.]", token)}
    if words & _FAKE_WORDS:
        return True
    # The prefix (``sk-proj-``, ``AIza``...) is the same in every key: judge the randomness of the rest.
    body = re.sub(r"^(sk-(ant-|proj-|svcacct-|admin-|or-v1-)?|AIza|ya29\.|gsk_|xai-|tgp_v1_)", "", token)
    return len(set(body)) < _MIN_DISTINCT_CHARACTERS


def _mask(secret: str) -> str:
    return secret[:6] + "…"
