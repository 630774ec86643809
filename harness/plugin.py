"""The pytest plugin: one marker, a few fixtures, and harness cassettes through pytest-recording.

Registered through the ``pytest11`` entry point. Loading it imports neither a provider SDK nor
vcrpy: they load when a test needs them. What it adds to pytest-recording:

- ``@pytest.mark.providers("openai/gpt-4.1-mini", ...)`` runs a test once per spec, each with its own
  cassette (``<name>[<spec>].yaml``), and gives it ``parallel_client`` / ``parallel_async_client``;
- ``harness_client(spec, **kwargs)``, a factory for tests that build clients themselves;
- ``--providers a,b`` to narrow (a prefix) or widen (a full spec) the specs of every marker (an unknown
  provider, there or in a marker, is a usage error naming the known ones);
- the ``harness_emulator`` fixture, or ``--harness-emulator`` / ``harness_emulator = true`` for the whole
  session: the provider emulator, the SDKs pointed at it;
- replay failures (no cassette, no match, already played, never played, a broken cassette) shown as the
  test's line and the message, without the SDK's frames, unless ``--tb`` or ``--full-trace`` is given;
- harness cassettes (readable, redacted, indexed, streams kept) for those tests, plugged in through
  pytest-recording's ``pytest_recording_configure`` hook; ``harness_vcr_tests = true`` extends them to
  a project's plain ``vcr``-marked tests.

pytest-recording's ``--record-mode``, ``--block-network``, ``vcr`` marker and ``vcr_config`` fixture
keep their meaning.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from vcr import VCR

_HARNESS_FIXTURES = frozenset({"parallel_client", "parallel_async_client", "harness_client", "harness_emulator"})
_FAILED = pytest.StashKey[bool]()
_CURRENT = pytest.StashKey["pytest.Item | None"]()
_TEST = pytest.StashKey[Any]()
_REWRITE = pytest.StashKey[bool]()
_EMULATOR = pytest.StashKey[Any]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("harness", "parallel-tools harness")
    group.addoption(
        "--providers",
        default=None,
        help="comma-separated provider prefixes (keep the marker's specs with them) or full specs (add them)",
    )
    group.addoption(
        "--harness-emulator",
        action="store_true",
        default=None,
        help="run the harness emulator for the whole session, the SDKs pointed at it, so every test records "
        "against it (as if each requested the harness_emulator fixture); ini: harness_emulator = true",
    )
    parser.addini("harness_cassette_dir", "folder for harness cassettes (default: pytest-recording's)", default="")
    parser.addini("harness_allow_unplayed", "let tests leave recorded interactions unplayed", type="bool")
    parser.addini("harness_record_errors", "record answers with a non-2xx status too", type="bool")
    parser.addini("harness_secret_variables", "more environment variables whose values are redacted", type="args")
    parser.addini("harness_vcr_tests", "use harness cassettes for plain vcr-marked tests too", type="bool")
    parser.addini(
        "harness_emulator", "run the harness emulator for the whole session (as --harness-emulator)", type="bool"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "providers(*specs, allow_unplayed=False): run the test once per provider spec with a recorded cassette",
    )
    config.addinivalue_line("markers", "emulator_script(path): the harness emulator answers this test from a script")
    config.stash[_CURRENT] = None
    config.stash[_EMULATOR] = None
    _check_providers_option(config.getoption("providers"))
    # Registered now, after pytest-recording: a plugin's fixture overrides those registered before it.
    config.pluginmanager.register(_RecordMode(), "harness-record-mode")


def _check_providers_option(option: str | None) -> None:
    """Refuse a ``--providers`` value naming no known provider: a typo would otherwise select nothing, and pass."""
    for part in filter(None, (part.strip() for part in (option or "").split(","))):
        _check_spec(part, f"--providers {option}", prefix_alone=True)


def _check_spec(spec: str, where: str, *, prefix_alone: bool) -> None:
    """A `pytest.UsageError` naming ``where`` for a spec whose provider is unknown or whose model is missing."""
    from harness.providers import PREFIXES

    prefix, slash, model = spec.partition("/")
    if prefix not in PREFIXES:
        form = "a prefix or a full spec" if prefix_alone else "a spec"
        raise pytest.UsageError(
            f"{where}: unknown provider {prefix!r}; expected one of {', '.join(PREFIXES)} "
            f"({form} such as openai/gpt-4.1-mini)"
        )
    if (slash or not prefix_alone) and not model:
        alone = f"{prefix} or " if prefix_alone else ""
        raise pytest.UsageError(f"{where}: {spec!r} names no model; give {alone}{prefix}/MODEL")


class _RecordMode:
    """pytest-recording's ``record_mode`` and ``vcr_markers``, except that ``rewrite`` never deletes a harness cassette.

    pytest-recording removes the cassette before the test runs, so a test that then fails (no key,
    a bug) leaves none. For harness cassettes, rewrite is new_episodes over a cassette that is not read
    (`harness.recording._session.configure_for_test`): the old file stays until a passing test's
    new one replaces it, in one rename. Rewrite is asked for in three ways, each covered: ``--record-mode``
    (the ``record_mode`` fixture), and ``record_mode`` in a ``vcr`` marker or from the ``vcr_config``
    fixture, which win over the option (a marker put first in ``vcr_markers`` wins over both).
    """

    @pytest.fixture
    def record_mode(self, request: pytest.FixtureRequest) -> str:
        mode: str = request.config.getoption("record_mode", None) or "none"
        if mode == "rewrite" and _has_harness_cassette(request.node):
            return "new_episodes"
        return mode

    @pytest.fixture
    def vcr_markers(self, request: pytest.FixtureRequest) -> list[pytest.Mark]:
        markers = list(request.node.iter_markers(name="vcr"))
        if not markers or not _has_harness_cassette(request.node):
            return markers
        mode = request.config.getoption("record_mode", None) or "none"
        for kwargs in (request.getfixturevalue("vcr_config"), *(m.kwargs for m in reversed(markers))):
            mode = kwargs.get("record_mode", mode)  # pytest-recording's order: the closest marker last
        request.node.stash[_REWRITE] = mode == "rewrite"
        if mode == "rewrite":
            return [pytest.mark.vcr(record_mode="new_episodes").mark, *markers]
        return markers


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("providers")
    if marker is None:
        return
    from harness.recording._session import select_specs

    try:
        for spec in marker.args:
            _check_spec(spec, f"{metafunc.definition.nodeid}: @pytest.mark.providers", prefix_alone=False)
    except pytest.UsageError as error:  # the module's collection fails, with the message alone
        raise pytest.Collector.CollectError(str(error)) from None
    specs = select_specs(marker.args, metafunc.config.getoption("providers"))
    metafunc.parametrize("harness_spec", specs, ids=specs)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A harness test is a pytest-recording test: its autouse `vcr` fixture installs the cassette.
    for item in items:
        if _is_harness_test(item) and item.get_closest_marker("vcr") is None:
            item.add_marker(pytest.mark.vcr)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    # pytest_recording_configure is told only (config, vcr): this says which test it is for.
    item.config.stash[_CURRENT] = item
    try:
        return (yield)
    except Exception as exc:
        _raise_cassette_error(exc)
        raise
    finally:
        item.config.stash[_CURRENT] = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    try:
        return (yield)
    except Exception as exc:
        _raise_cassette_error(exc)
        raise


def _raise_cassette_error(exc: Exception) -> None:
    """Raise the cassette error in ``exc``'s chain, if there is one, in its place (chained to it).

    An SDK wraps what its transport raised (the Anthropic SDK's ``APIConnectionError: Connection
    error.``), so "no cassette, record it with ..." would be buried under a network error that never
    happened. pytest reports the error that says what to do, whoever called the SDK.
    """
    from harness.recording._errors import CassetteError

    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, CassetteError):
            if cause is not exc:
                raise cause from exc
            return
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    if report.when in ("setup", "call") and report.failed:
        item.stash[_FAILED] = True  # before the cassette is saved, as the test's fixtures are torn down
    if report.failed and call.excinfo is not None and _brief_tracebacks(item.config):
        from harness.recording._errors import CassetteError, CassetteFormatError

        if isinstance(call.excinfo.value, (CassetteError, CassetteFormatError)):
            report.longrepr = _brief(call.excinfo)
    return report


def _brief_tracebacks(config: pytest.Config) -> bool:
    """pytest's default traceback style: neither ``--tb`` nor ``--full-trace`` given."""
    return config.getoption("tbstyle", "auto") == "auto" and not config.getoption("fulltrace", False)


def _brief(excinfo: pytest.ExceptionInfo[BaseException]) -> Any:
    """A replay failure as pytest shows its own usage errors: the test's line and the message, no internals.

    The SDK's frames, harness's, pytest's and the chained transport error say nothing to a user whose
    test has no cassette or sends another request; ``--tb=long`` (or any ``--tb`` said outright) still
    shows them all.
    """
    hidden = _library_paths()

    def own_frames(info: pytest.ExceptionInfo[BaseException]) -> Any:
        entries = info.traceback.filter(info)
        kept = entries.filter(lambda entry: not str(entry.path).startswith(hidden))
        return kept if len(kept) else entries[-1:]

    brief = excinfo.getrepr(style="short", chain=False, tbfilter=own_frames)
    brief.addsection("harness", "The SDK's and harness's frames are left out: --tb=long shows them.")
    return brief


def _library_paths() -> tuple[str, ...]:
    """Where frames that are not the user's come from: installed packages, the standard library, harness."""
    import sysconfig

    import harness

    paths = {sysconfig.get_paths()[name] for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    paths.add(os.path.dirname(harness.__file__))
    return tuple(os.path.join(path, "") for path in paths)


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    item = config.stash.get(_CURRENT, None)
    if item is None or not _has_harness_cassette(item):
        return
    from harness.recording._session import configure_for_test

    emulator = config.stash.get(_EMULATOR, None) if _uses_emulator(item) else None
    configure_for_test(
        vcr,
        item,
        failed=lambda: item.stash.get(_FAILED, False),
        emulator=emulator,
        rewrite=item.stash.get(_REWRITE, False),
    )


def _emulator_switch(config: pytest.Config) -> bool:
    """``--harness-emulator`` or ``harness_emulator = true``: every harness test records against the emulator."""
    return bool(config.getoption("harness_emulator", None) or config.getini("harness_emulator"))


def _uses_emulator(item: pytest.Item) -> bool:
    """Whether ``item`` runs against the emulator: it requests the fixture, or the switch is on (for all)."""
    return "harness_emulator" in getattr(item, "fixturenames", ()) or _emulator_switch(item.config)


def _has_harness_cassette(item: pytest.Item) -> bool:
    return _is_harness_test(item) or bool(item.config.getini("harness_vcr_tests"))


def _is_harness_test(item: pytest.Item) -> bool:
    names = getattr(item, "fixturenames", ())
    return item.get_closest_marker("providers") is not None or bool(_HARNESS_FIXTURES.intersection(names))


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def harness_spec(request: pytest.FixtureRequest) -> str | None:
    """The spec this run of a ``providers``-marked test is for (``None`` without the marker)."""
    spec: str | None = getattr(request, "param", None)
    return spec


@pytest.fixture(scope="session", autouse=True)
def _harness_emulator_switch(request: pytest.FixtureRequest) -> None:
    """With ``--harness-emulator`` (or ``harness_emulator = true``), the emulator runs for the whole session.

    Session-scoped, so it starts before any test's function-scoped fixtures, the cassette's among them,
    exactly as when a test requests ``harness_emulator`` itself.
    """
    if _emulator_switch(request.config):
        request.getfixturevalue("harness_emulator")


@pytest.fixture(autouse=True)
def _harness_test(request: pytest.FixtureRequest, harness_spec: str | None) -> Iterator[None]:
    """For harness tests: replay credentials where none are set, and no recorded interaction left unplayed."""
    if not _is_harness_test(request.node):
        yield
        return
    from harness.recording._session import HarnessTest

    test = HarnessTest(request, failed=lambda: request.node.stash.get(_FAILED, False))
    request.node.stash[_TEST] = test
    with test.scripted(request.config.stash.get(_EMULATOR, None)):
        yield
    try:
        test.finish()
    except BaseException:
        request.node.stash[_FAILED] = True  # its cassette, torn down next, is then not saved either
        raise


@pytest.fixture
def harness_client(request: pytest.FixtureRequest) -> Callable[..., Any]:
    """A factory: ``harness_client(spec=None, *, async_client=False, **from_provider_kwargs)``.

    Clients are built as ``harness.from_provider`` builds them, from the environment; where a key is
    not set (replaying), the SDKs get a dummy one and Vertex AI a fixed token, so no credential is
    looked up. Every client of one test shares the test's cassette; ``spec`` defaults to the run's.
    """
    factory: Callable[..., Any] = request.node.stash[_TEST].client
    return factory


@pytest.fixture
def parallel_client(harness_spec: str | None, harness_client: Callable[..., Any]) -> Any:
    """The sync client for this run's spec (``@pytest.mark.providers(...)``)."""
    return harness_client(_marked_spec(harness_spec, "parallel_client"))


@pytest.fixture
def parallel_async_client(harness_spec: str | None, harness_client: Callable[..., Any]) -> Any:
    """The async client for this run's spec, for tests under pytest-asyncio or anyio."""
    return harness_client(_marked_spec(harness_spec, "parallel_async_client"), async_client=True)


@pytest.fixture(scope="session")
def harness_emulator_script() -> Any:
    """The script the session's emulator answers from: override it (a path or a ``Script``); default none."""
    return None


@pytest.fixture(scope="session")
def harness_emulator(harness_emulator_script: Any, pytestconfig: pytest.Config) -> Iterator[Any]:
    """The provider emulator on a free loopback port for the whole session, the SDKs pointed at it.

    Its base-URL variables stay set for the rest of the session. ``@pytest.mark.emulator_script(path)``
    swaps the script for one test. Cassettes recorded against it say so in their metadata.
    """
    from harness.emulator import serve

    with serve(script=harness_emulator_script) as running, pytest.MonkeyPatch.context() as environment:
        for name, value in running.environment().items():
            environment.setenv(name, value)
        from harness.providers import _compatible

        for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", *_compatible.KEY_VARIABLES):
            if not os.environ.get(name):
                environment.setenv(name, "harness-emulator-key")  # it wants a key, any key
        pytestconfig.stash[_EMULATOR] = running
        yield running
        pytestconfig.stash[_EMULATOR] = None


def _marked_spec(spec: str | None, fixture: str) -> str:
    if spec is None:
        raise pytest.UsageError(
            f"{fixture} needs the providers marker: @pytest.mark.providers('openai/gpt-4.1-mini', ...) "
            "names the specs the test runs for"
        )
    return spec
