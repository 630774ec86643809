"""``record_mode="rewrite"`` from a ``vcr`` marker or a ``vcr_config`` fixture keeps the cassette as the option does.

pytest-recording deletes the cassette before the test when the merged configuration says rewrite; a
test that then fails would leave none. Driven through pytester, recording over a loopback socket.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import harness.recording._session  # noqa: F401  # before pytester's in-process runs, as in test_plugin
from tests.recording._provider_server import ProviderServer
from tests.recording.test_plugin import downstream
from tests.recording.test_record_modes import CASSETTE, SPEC, fails_after_recording, recorded, recording

pytest_plugins = ("pytester",)
__all__ = ["recording"]  # the fixture, used here

MARKER = "@pytest.mark.vcr(record_mode='rewrite')\n@pytest.mark.providers("
VCR_CONFIG = "import pytest\n\n@pytest.fixture\ndef vcr_config():\n    return {'record_mode': 'rewrite'}\n"


def asking_rewrite(pytester: pytest.Pytester, source: str, how: str) -> str:
    """``source`` with rewrite asked for ``how``: on its marker, or by the project's ``vcr_config``."""
    if how == "marker":
        return source.replace("@pytest.mark.providers(", MARKER)
    pytester.makeconftest(VCR_CONFIG)
    return source


@pytest.mark.parametrize("how", ["marker", "vcr_config"])
def test_a_failing_rewrite_leaves_the_cassette_byte_for_byte(
    pytester: pytest.Pytester, recording: ProviderServer, how: str
) -> None:
    before = recorded(pytester)
    pytester.makepyfile(test_weather=asking_rewrite(pytester, fails_after_recording(), how))
    pytester.runpytest_inprocess().assert_outcomes(failed=1)
    assert Path(pytester.path, CASSETTE).read_bytes() == before
    assert "oslo" in str(recording.requests[-1]["body"])  # it did record, over the network
    assert not list(Path(pytester.path, "cassettes").rglob("*.tmp"))


@pytest.mark.parametrize("how", ["marker", "vcr_config"])
def test_a_passing_rewrite_replaces_the_cassette(
    pytester: pytest.Pytester, recording: ProviderServer, how: str
) -> None:
    before = recorded(pytester)
    source = downstream((SPEC,), prompt="What is the weather in oslo")
    pytester.makepyfile(test_weather=asking_rewrite(pytester, source, how))
    pytester.runpytest_inprocess().assert_outcomes(passed=1)
    after = Path(pytester.path, CASSETTE).read_text()
    assert after.encode() != before
    assert "oslo" in after and "toronto" not in after  # rewritten: nothing of the old recording is kept
    assert after.count("- request:") == 2


def test_a_marker_saying_once_wins_over_the_rewrite_option(
    pytester: pytest.Pytester, recording: ProviderServer
) -> None:
    """As in pytest-recording: the marker's mode is the test's; ``once`` over a cassette replays it."""
    before = recorded(pytester)
    sent = len(recording.requests)
    source = downstream((SPEC,)).replace(
        "@pytest.mark.providers(", "@pytest.mark.vcr(record_mode='once')\n@pytest.mark.providers("
    )
    pytester.makepyfile(test_weather=source)
    pytester.runpytest_inprocess("--record-mode=rewrite").assert_outcomes(passed=1)
    assert len(recording.requests) == sent  # replayed, not recorded again
    assert Path(pytester.path, CASSETTE).read_bytes() == before
