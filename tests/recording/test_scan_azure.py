"""`harness scan` knows Azure OpenAI key shapes: 32 hexadecimal characters or 84 letters and digits, as an
``api-key`` value. The keys here are made at run time from a seed: test fixtures, no real key's text."""

from __future__ import annotations

import hashlib
import random
import string

import pytest

from harness.recording._scan import scan_text

HEX_KEY = hashlib.md5(b"harness scan test fixture").hexdigest()  # 32 hex characters
LONG_KEY = "".join(random.Random(17).choices(string.ascii_letters + string.digits, k=84))


@pytest.mark.parametrize("key", [HEX_KEY, LONG_KEY], ids=["32-hex", "84-alnum"])
@pytest.mark.parametrize(
    "line",
    ["      api-key: {key}", '"api-key": ["{key}"]', "api-key: [{key}]", "Api-Key={key}"],
)
def test_an_azure_key_given_as_api_key_is_found(key: str, line: str) -> None:
    (finding,) = scan_text(line.format(key=key))
    assert finding.kind == "azure-openai-key"
    assert key not in finding.excerpt


@pytest.mark.parametrize(
    "line",
    [
        "      api-key: REDACTED",
        f"request-id: {HEX_KEY}",  # a hash or an id elsewhere is not a key
        f'"id": "{LONG_KEY}"',
        f"api-key: {HEX_KEY}0",  # 33 characters: not the shape
    ],
)
def test_other_values_are_not_azure_keys(line: str) -> None:
    assert [f.kind for f in scan_text(line)] == []
