"""The scanner finds each kind of credential on its line, masks it, and lets placeholders and fakes be."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.recording._scan import Finding, scan_paths, scan_text
from tests.recording import ANTHROPIC_LIKE, GOOGLE_LIKE, JWT_LIKE, OAUTH_LIKE, OPAQUE_TOKEN, OPENAI_LIKE, shaped

RECORDINGS = Path(__file__).parent.parent / "data" / "real-recordings"


@pytest.mark.parametrize(
    ("kind", "template", "token"),
    [
        ("openai-key", '      "user": "{}"', OPENAI_LIKE),
        ("openai-key", "  - {}", shaped("sk-" + "svcacct-", 60, seed=11)),
        ("openai-key", "legacy {}", shaped("sk-", 48, seed=12)),
        ("anthropic-key", "      x-api-key: {}", ANTHROPIC_LIKE),
        ("google-api-key", "    uri: https://generativelanguage.googleapis.com/v1beta/m?key={}", GOOGLE_LIKE),
        ("google-oauth-token", "      - Bearer {}", OAUTH_LIKE),
        ("jwt", "      - Bearer {}", JWT_LIKE),
        ("jwt", '{{"id_token": "{}"}}', JWT_LIKE),
        ("bearer-token", "      - Bearer {}", OPAQUE_TOKEN),
        ("bearer-token", "authorization: bearer {}", OPAQUE_TOKEN),
    ],
)
def test_each_kind_is_found_on_its_line_once(kind: str, template: str, token: str) -> None:
    text = f"interactions:\n- request:\n{template.format(token)}\n    method: POST\n"
    assert scan_text(text) == [Finding(3, kind, token[:6] + "…")]


def test_an_openai_key_sent_as_a_bearer_token_is_reported_as_an_openai_key() -> None:
    assert scan_text(f"authorization: Bearer {OPENAI_LIKE}") == [Finding(1, "openai-key", "sk-pro…")]


def test_several_findings_come_in_order() -> None:
    text = f"a: {GOOGLE_LIKE} b: {ANTHROPIC_LIKE}\n\nc: {OPENAI_LIKE}\n"
    assert [(f.line, f.kind) for f in scan_text(text)] == [
        (1, "google-api-key"),
        (1, "anthropic-key"),
        (3, "openai-key"),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "authorization: [REDACTED]",
        "Authorization: Bearer REDACTED",
        "uri: https://generativelanguage.googleapis.com/v1beta/m?key=REDACTED",
        "x-api-key: test-key",
        "api_key: sk-test-" + "x" * 40,  # fake, as the test suites write them
        "api_key: sk-ant-fake-" + shaped("", 40, seed=21),
        "api_key: sk-proj-your-key-here-" + "0" * 20,
        "api_key: sk-" + "a" * 48,
        "key: AIza" + "x" * 35,
        "token: Bearer " + "REDACTED" * 4,
        "Bearer mock_" + shaped("", 30, seed=22),
        "description: the sk-learn library and a task-" + "b" * 10,
        "signature: EqQBCkYIBBgCKkBx+9aSome/Base64+Like/Thought/Signature==",
    ],
)
def test_placeholders_and_fakes_are_not_reported(line: str) -> None:
    assert scan_text(line) == []


def test_a_key_glued_to_other_characters_is_not_a_key() -> None:
    assert scan_text("x" + GOOGLE_LIKE + "extra") == []


def test_environment_secrets_are_found_whatever_their_shape() -> None:
    secret = "corp-proxy-credential-1234"
    findings = scan_text(f"first\nheader: {secret}; again {secret}\n", secrets=[secret])
    assert findings == [Finding(2, "environment-secret", "corp-p…")] * 2


def test_an_environment_secret_shaped_like_a_key_is_reported_once() -> None:
    assert scan_text(OPENAI_LIKE, secrets=[OPENAI_LIKE]) == [Finding(1, "environment-secret", "sk-pro…")]


def test_scan_paths_walks_directories_for_cassette_files(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "a.yaml").write_text(f"one\ntwo: {OPENAI_LIKE}\n")
    (tmp_path / "sub" / "b.json").write_text('{"clean": true}')
    (tmp_path / "sub" / "c.YML").write_text(f"k: {GOOGLE_LIKE}\n")
    (tmp_path / "notes.txt").write_text(f"{OPENAI_LIKE}\n")
    (tmp_path / ".hidden" / "d.yaml").write_text(f"{OPENAI_LIKE}\n")
    (tmp_path / "binary.yaml").write_bytes(b"\xff\xfe " + ANTHROPIC_LIKE.encode() + b"\n")

    results = scan_paths([tmp_path])
    assert {path.relative_to(tmp_path).as_posix(): [f.kind for f in found] for path, found in results.items()} == {
        "a.yaml": ["openai-key"],
        "binary.yaml": ["anthropic-key"],
        "sub/b.json": [],
        "sub/c.YML": ["google-api-key"],
    }
    assert results[tmp_path / "a.yaml"][0].line == 2


def test_a_file_named_explicitly_is_scanned_whatever_its_suffix(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text(f"{OPENAI_LIKE}\n")
    assert scan_paths([notes, str(notes)]) == {notes: [Finding(1, "openai-key", "sk-pro…")]}


def test_a_missing_path_raises(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        scan_paths([tmp_path / "nope"])


def test_the_projects_own_recordings_are_clean() -> None:
    # Real answers full of ids, signatures and base64: none of it may read as a credential.
    results = scan_paths([RECORDINGS])
    assert len(results) > 10
    assert {path: found for path, found in results.items() if found} == {}
