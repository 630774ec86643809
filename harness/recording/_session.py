"""What the pytest plugin does for one harness test: its specs, its cassette settings, its clients."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from vcr import VCR
from vcr.persisters.filesystem import CassetteNotFoundError

from harness.providers._compatible import PROFILES
from harness.recording import configure
from harness.recording._cassette import HarnessCassette, RecordingSettings
from harness.recording._errors import UnplayedInteractionsError
from harness.recording._persister import AtomicPersister
from harness.recording._redact import secret_values

#: Set for a replay where the variable is unset: the SDKs refuse to build a client without a key.
#: Not key-shaped on purpose, so `harness scan` never mistakes it for one.
REPLAY_KEY = "harness-replay-key"
_REPLAY_VARIABLES = {
    "openai": ("OPENAI_API_KEY",),
    "openai-responses": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "google": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
    **{prefix: (p.key_variable,) for prefix, p in PROFILES.items() if p.key_variable and p.key_required},
    "azure": ("AZURE_OPENAI_API_KEY",),
    "azure-responses": ("AZURE_OPENAI_API_KEY",),
}
#: Azure's resource for a replay where none is set (the host is not matched).
_AZURE_REPLAY_ENDPOINT = "https://harness-replay.openai.azure.com"
_ANTHROPIC_VERTEX_DEFAULTS = {"ANTHROPIC_VERTEX_PROJECT_ID": "harness-replay-project", "CLOUD_ML_REGION": "us-east5"}
_VERTEX_DEFAULTS = {"GOOGLE_CLOUD_PROJECT": "harness-replay-project", "GOOGLE_CLOUD_LOCATION": "us-central1"}


def select_specs(marked: Sequence[str], option: str | None) -> list[str]:
    """The marker's specs under ``--providers``: a prefix keeps the marked specs with it, a full spec adds it."""
    if not option:
        return list(marked)
    wanted = [part.strip() for part in option.split(",") if part.strip()]
    prefixes = {part for part in wanted if "/" not in part}
    specs = [spec for spec in marked if not prefixes or spec.partition("/")[0] in prefixes]
    return specs + [part for part in wanted if "/" in part and part not in specs]


def configure_for_test(
    vcr: VCR, item: pytest.Item, *, failed: Callable[[], bool], emulator: Any = None, rewrite: bool = False
) -> None:
    """Harness cassettes for ``item``: settings from the ini file, and its cassette folder.

    ``rewrite``: the test records everything again, reading nothing from its cassette; the old file is
    replaced only when the new one is saved (a failed test saves nothing).
    """
    config = item.config
    source: dict[str, Any] = {}
    if emulator is not None:
        script = emulator.state.script
        source["source"] = {"emulator": {"seed": emulator.state.seed, "script": script.source if script else None}}
    settings = RecordingSettings(
        # The replay key too: code that copies a key into a body must match whichever key it ran with.
        secrets=[*secret_values(config.getini("harness_secret_variables")), REPLAY_KEY],
        record_errors=bool(config.getini("harness_record_errors")),
        test_id=item.nodeid,
        failed=failed,
        source=source,
    )
    configure(vcr, settings)
    if rewrite:
        vcr.register_persister(_Unread)
    folder = config.getini("harness_cassette_dir")
    if folder:
        root = config.inipath.parent if config.inipath else config.rootpath
        module = Path(str(getattr(item, "path", item.nodeid))).stem
        vcr.cassette_library_dir = str(root / folder / module)


class _Unread(AtomicPersister):
    """Rewrite mode's persister: the cassette on disk is left alone until it is replaced whole."""

    @staticmethod
    def load_cassette(cassette_path: str | os.PathLike[str], serializer: Any) -> Any:
        raise CassetteNotFoundError()


_ROUTED = ("azure", "azure-responses", "anthropic-vertex")


def _fixed_vertex_token(replaying: bool, base_url_variable: str = "GOOGLE_VERTEX_BASE_URL") -> bool:
    """Whether Vertex AI gets a fixed token instead of looking up Google credentials.

    Always when replaying. When recording, only against a stand-in (``GOOGLE_VERTEX_BASE_URL`` set, or
    ``ANTHROPIC_VERTEX_BASE_URL`` for Claude) on a
    machine with no Google credentials, where the lookup could only fail or wait on a metadata server.
    """
    if os.environ.get("GOOGLE_APPLICATION_CREDENTIALS"):
        return False
    if replaying:
        return True
    default_credentials = Path("~/.config/gcloud/application_default_credentials.json").expanduser()
    gemini = base_url_variable == "GOOGLE_VERTEX_BASE_URL"
    has_key_only = gemini and bool(os.environ.get("GOOGLE_API_KEY")) and not os.environ.get("GOOGLE_CLOUD_PROJECT")
    return bool(os.environ.get(base_url_variable)) and not default_credentials.exists() and not has_key_only


class HarnessTest:
    """One harness test: credentials for replay, its clients, and the check that every answer was played."""

    def __init__(self, request: pytest.FixtureRequest, *, failed: Callable[[], bool]) -> None:
        self.request = request
        self.failed = failed
        if "harness_emulator" in request.fixturenames:
            request.getfixturevalue("harness_emulator")  # first: clients are built against its base URLs
        self.spec: str | None = request.getfixturevalue("harness_spec")
        cassette = request.getfixturevalue("vcr")
        self.cassette = cassette if isinstance(cassette, HarnessCassette) else None
        mode = str(getattr(getattr(cassette, "record_mode", None), "value", "none"))
        self.record_mode = mode
        # Replaying: nothing will be recorded, so no real credential is needed or wanted.
        self.replaying = cassette is not None and (mode == "none" or (mode == "once" and bool(cassette.rewound)))
        self._monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        if self.replaying:
            for variables in _REPLAY_VARIABLES.values():
                if not any(os.environ.get(name) for name in variables):
                    self._monkeypatch.setenv(variables[0], REPLAY_KEY)

    def client(self, spec: str | None = None, *, async_client: bool = False, **kwargs: Any) -> Any:
        """``harness.from_provider(spec, async_client=..., **kwargs)`` with replay credentials where needed."""
        import harness

        spec = spec or self.spec
        if spec is None:
            raise pytest.UsageError("harness_client() needs a spec here: this test has no providers marker")
        prefix = spec.partition("/")[0]
        variables = _REPLAY_VARIABLES.get(prefix, ())
        if self.replaying and variables and not any(os.environ.get(name) for name in variables):
            kwargs.setdefault("api_key", REPLAY_KEY)  # said outright: another fixture may clear the environment
        if prefix == "vertexai" and _fixed_vertex_token(self.replaying):
            from google.oauth2.credentials import Credentials

            # A fixed token: no credential lookup, no token request, nothing leaves the machine.
            kwargs.setdefault("credentials", Credentials("harness-replay-token"))  # type: ignore[no-untyped-call]
            for name, default in _VERTEX_DEFAULTS.items():
                kwargs.setdefault(name.removeprefix("GOOGLE_CLOUD_").lower(), os.environ.get(name) or default)
        if prefix in ("azure", "azure-responses") and self.replaying and not os.environ.get("AZURE_OPENAI_ENDPOINT"):
            kwargs.setdefault("azure_endpoint", _AZURE_REPLAY_ENDPOINT)
        if prefix == "anthropic-vertex" and _fixed_vertex_token(self.replaying, "ANTHROPIC_VERTEX_BASE_URL"):
            kwargs.setdefault("access_token", "harness-replay-token")  # as for Gemini on Vertex: nothing is looked up
            for name, default in _ANTHROPIC_VERTEX_DEFAULTS.items():
                key = "region" if name == "CLOUD_ML_REGION" else "project_id"
                kwargs.setdefault(key, os.environ.get(name) or default)
        if self.replaying and prefix in ("openai", "openai-responses", "anthropic", *_ROUTED, *PROFILES):
            kwargs.setdefault("max_retries", 0)  # a miss is reported at once, not after back-off
        return harness.from_provider(spec, async_client=async_client, **kwargs)

    @contextlib.contextmanager
    def scripted(self, emulator: Any) -> Iterator[None]:
        """For a test marked ``emulator_script(path)``, the session's emulator answers from that script."""
        marker = self.request.node.get_closest_marker("emulator_script")
        if emulator is None or marker is None:
            yield
            return
        from harness.emulator import load_script

        before = emulator.state.script
        emulator.state.script = load_script(Path(self.request.path.parent, marker.args[0]))
        try:
            yield
        finally:
            emulator.state.script = before

    def finish(self) -> None:
        """Fail the test if it left recorded interactions unplayed (unless allowed)."""
        if self.cassette is None or self.failed() or self.record_mode == "all" or self._allow_unplayed():
            return
        unplayed = self.cassette.unplayed()
        if unplayed:
            raise UnplayedInteractionsError(path=self.cassette._path, unplayed=unplayed)

    def _allow_unplayed(self) -> bool:
        marker = self.request.node.get_closest_marker("providers")
        if marker is not None and "allow_unplayed" in marker.kwargs:
            return bool(marker.kwargs["allow_unplayed"])
        return bool(self.request.config.getini("harness_allow_unplayed"))
