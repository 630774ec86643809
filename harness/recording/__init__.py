"""Provider cassettes on vcrpy: readable, redacted, indexed, stream-faithful.

The pytest plugin (`harness.plugin`) uses this through pytest-recording; outside pytest,
`use_cassette` gives the same cassettes:

```python
with harness.recording.use_cassette("cassettes/weather.yaml", record_mode="once"):
    client.create(...)
```
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from harness.recording._errors import (
    AlreadyPlayedError,
    CassetteError,
    NoCassetteError,
    NoMatchError,
    UnplayedInteractionsError,
)
from harness.recording._format import CassetteFormatError
from harness.recording._matching import request_key
from harness.recording._redact import secret_values

if TYPE_CHECKING:  # vcrpy loads when a cassette is used: `harness scan` and the plugin start without it
    from vcr import VCR
    from vcr.cassette import CassetteContextDecorator

    from harness.recording._cassette import HarnessCassette, RecordingSettings

SERIALIZER = "harness"


def configure(vcr: VCR, settings: RecordingSettings) -> None:
    """Make ``vcr`` write harness cassettes: serializer, matcher, persister and cassette class.

    This is what harness's ``pytest_recording_configure`` hook does for the tests it covers.
    """
    from vcr.cassette import CassetteContextDecorator

    from harness.recording._persister import AtomicPersister, CassetteSerializer

    vcr.register_serializer(SERIALIZER, CassetteSerializer(settings.secrets))
    vcr.serializer = SERIALIZER
    vcr.register_persister(AtomicPersister)
    secrets = tuple(settings.secrets)

    def harness(r1: Any, r2: Any) -> bool:  # a function, not a partial: vcrpy reports a matcher by its __name__
        return _same_request(r1, r2, secrets=secrets)

    vcr.register_matcher(SERIALIZER, harness)
    vcr.match_on = (SERIALIZER,)
    factory = _CassetteFactory(settings)

    def use_cassette(with_current_defaults: bool = False, **kwargs: Any) -> CassetteContextDecorator:
        # vcrpy builds its own Cassette class here; this is the one place a subclass can come in.
        return CassetteContextDecorator(factory, functools.partial(vcr.get_merged_config, **kwargs))

    vcr._use_cassette = use_cassette


def use_cassette(
    path: str | os.PathLike[str],
    *,
    record_mode: str = "none",
    secret_variables: Iterable[str] = (),
    record_errors: bool = False,
    **vcr_kwargs: Any,
) -> CassetteContextDecorator:
    """A harness cassette as a context manager (or decorator), outside pytest.

    ``record_mode`` means what it means in vcrpy (``none``, ``once``, ``new_episodes``, ``all``).
    ``secret_variables`` names environment variables whose values are redacted besides the API keys.

    Replaying needs a key all the same: outside pytest no plugin sets a dummy one, and the SDKs refuse
    to build a client (or to send) without one. Give any value (``api_key="replay"``, or set the
    variable); keys are redacted when recorded and never matched. See docs/recording.md, "Outside pytest".
    """
    from vcr import VCR

    from harness.recording._cassette import RecordingSettings

    settings = RecordingSettings(secrets=secret_values(secret_variables), record_errors=record_errors)
    vcr = VCR(record_mode=record_mode)
    configure(vcr, settings)
    return vcr.use_cassette(os.fspath(path), **vcr_kwargs)


class _CassetteFactory:
    """What vcrpy's context decorator calls ``.load(**kwargs)`` on: a HarnessCassette with settings."""

    def __init__(self, settings: RecordingSettings) -> None:
        self.settings = settings

    def load(self, **kwargs: Any) -> HarnessCassette:
        from harness.recording._cassette import HarnessCassette

        cassette: HarnessCassette = HarnessCassette.load(settings=self.settings, **kwargs)
        return cassette


def _same_request(r1: Any, r2: Any, *, secrets: tuple[str, ...]) -> bool:
    return request_key(r1.method, r1.uri, r1.body, secrets) == request_key(r2.method, r2.uri, r2.body, secrets)


def __getattr__(name: str) -> Any:
    if name in ("HarnessCassette", "RecordingSettings"):
        from harness.recording import _cassette

        return getattr(_cassette, name)
    raise AttributeError(f"module 'harness.recording' has no attribute {name!r}")


__all__ = [
    "AlreadyPlayedError",
    "CassetteError",
    "CassetteFormatError",
    "HarnessCassette",
    "NoCassetteError",
    "NoMatchError",
    "RecordingSettings",
    "UnplayedInteractionsError",
    "configure",
    "use_cassette",
]
