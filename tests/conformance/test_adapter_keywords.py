"""What an adapter can ask the runner for by naming it (no private attributes), ``--model``, ``refusals``
and the report's ``environments``: each through the real runner and the real SDK clients."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import anthropic
import openai
import pytest

from harness import from_provider
from harness.cli import EXIT_OK, EXIT_USAGE, main
from harness.conformance import Report, run
from harness.conformance._adapters import harness_adapter
from harness.conformance._endpoint import API_KEY, DEFAULT_MODELS
from harness.conformance._property import _endpoint
from harness.testing import sdk_client

FAST: dict[str, Any] = {"features": ["strings"], "examples": 10}


def old_signature(
    spec: str, sdk_client: Any, *, messages: list[Any], response_model: Any, stream: bool, strict: bool = False
) -> Any:
    """The issue-7 signature, exactly: it must get nothing new."""
    return harness_adapter(
        spec, sdk_client, messages=messages, response_model=response_model, stream=stream, strict=strict
    )


old_signature.strict_specs = harness_adapter.strict_specs  # type: ignore[attr-defined]


def test_an_old_signature_adapter_still_passes() -> None:
    report = run(adapter=old_signature, providers=["openai", "anthropic+strict"], **FAST)
    assert [r.outcome for r in report.results] == ["pass", "pass"]


def test_an_adapter_with_only_kwargs_gets_none_of_the_new_keywords() -> None:
    seen: list[set[str]] = []

    def adapter(spec: str, sdk_client: Any, **kwargs: Any) -> Any:
        seen.append(set(kwargs))
        return harness_adapter(spec, sdk_client, **kwargs)

    adapter.strict_specs = ("openai",)  # type: ignore[attr-defined]
    report = run(adapter=adapter, providers=["openai+strict"], **FAST)
    assert report.results[0].outcome == "pass"
    assert seen and all(keys == {"messages", "response_model", "stream", "strict"} for keys in seen)


def test_each_named_keyword_is_given_and_serves_the_same_answers() -> None:
    """The async client and the transport each carry the whole round trip; httpx is absent in this venv."""
    got: dict[str, Any] = {}

    def adapter(
        spec: str,
        sdk_client: Any,
        *,
        messages: list[Any],
        response_model: Any,
        stream: bool,
        async_sdk_client: Any,
        transport: Any,
        httpx_transport: Any,
        api_key: str,
        model: str,
    ) -> Any:
        got.update(spec=spec, httpx_transport=httpx_transport, api_key=api_key, model=model, client=async_sdk_client)
        if stream:  # streamed answers over the transport, through a client of the adapter's own
            own = from_provider(spec, client=sdk_client_on(spec, transport), async_client=False)
            with own.create(messages=messages, response_model=response_model, stream=True) as calls:
                return list(calls)
        client = from_provider(spec, client=async_sdk_client, async_client=True)
        return asyncio.run(client.create(messages=messages, response_model=response_model))

    report = run(adapter=adapter, providers=["anthropic"], **FAST)
    assert report.results[0].outcome == "pass", report.results[0].counterexample
    assert isinstance(got["client"], anthropic.AsyncAnthropic)
    assert got["spec"] == "anthropic/claude-sonnet-4-5" and got["model"] == "claude-sonnet-4-5"
    assert got["api_key"] == API_KEY == "harness-conformance"
    try:
        import httpx  # type: ignore[import-not-found, unused-ignore]  # noqa: F401
    except ImportError:
        assert got["httpx_transport"] is None
    else:
        assert got["httpx_transport"] is not None


def sdk_client_on(spec: str, transport: Any) -> Any:
    return sdk_client(spec.partition("/")[0], transport=transport)


def loopback(
    spec: str, sdk_client: Any, *, messages: list[Any], response_model: Any, stream: bool, base_url: str, api_key: str
) -> Any:
    """A library that only takes base_url and api_key: the SDK's own HTTP client, over a real socket."""
    seen_urls.append(base_url)
    client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0)
    return harness_adapter(spec, client, messages=messages, response_model=response_model, stream=stream)


seen_urls: list[str] = []


def test_the_loopback_base_url_serves_the_same_answers_over_a_real_socket() -> None:
    seen_urls.clear()
    report = run(adapter=loopback, providers=["openai", "openai-responses"], **FAST)
    assert [r.outcome for r in report.results] == ["pass", "pass"]
    assert all(url.startswith("http://127.0.0.1:") and url.endswith("/v1") for url in seen_urls)
    assert len(set(seen_urls)) == 2  # one socket per provider, started once
    exchanges = _endpoint("openai-responses").exchanges
    assert [e.path for e in exchanges] == ["/v1/responses"] and exchanges[0].received is not None


def named_model(spec: str, sdk_client: Any, *, model: str, **kwargs: Any) -> Any:
    """Fails a cell (a crash) unless the spec and ``model`` say what ``--model`` set."""
    if spec != f"{spec.partition('/')[0]}/{model}" or not model.startswith("custom-"):
        raise AssertionError(f"asked for {spec!r} with model {model!r}")
    return harness_adapter(spec, sdk_client, **kwargs)


def test_model_sets_the_spec_in_every_worker_and_is_undone_after() -> None:
    models = {"openai": "custom-one", "google": "custom-two"}
    report = run(adapter=named_model, providers=["openai", "google"], jobs=2, models=models, **FAST)
    assert [r.outcome for r in report.results] == ["pass", "pass"]
    assert _endpoint("openai").model == DEFAULT_MODELS["openai"] == "gpt-4.1-mini"  # the run's names are undone


def test_model_on_the_command_line(tmp_path: Path) -> None:
    reference = "tests.conformance.test_adapter_keywords:named_model"
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--examples", "3"]
    status = main([*arguments, "--adapter", reference, "--model", "openai=custom-x", "--out", str(tmp_path)])
    assert status == EXIT_OK
    data = json.loads((tmp_path / "report.json").read_text())
    assert data["results"][0]["outcome"] == "pass"


@pytest.mark.parametrize("value", ["nope=gpt-4.1-mini", "openai", "openai=", "openai=two words"])
def test_a_bad_model_is_a_usage_error_before_the_run(value: str, tmp_path: Path) -> None:
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--model", value]
    assert main([*arguments, "--out", str(tmp_path)]) == EXIT_USAGE
    assert not (tmp_path / "report.json").exists()


class CannotExpress(Exception):
    """A library's documented "cannot express this"."""


def refusing(spec: str, sdk_client: Any, **kwargs: Any) -> Any:
    raise CannotExpress("this library has no parallel tools on this API")


refusing.refusals = (CannotExpress,)  # type: ignore[attr-defined]


def refusing_after_sending(spec: str, sdk_client: Any, **kwargs: Any) -> Any:
    harness_adapter(spec, sdk_client, **kwargs)
    raise CannotExpress("too late: the request was sent")


refusing_after_sending.refusals = (CannotExpress,)  # type: ignore[attr-defined]


def raising_other(spec: str, sdk_client: Any, **kwargs: Any) -> Any:
    raise ValueError("a bug, not a refusal")


raising_other.refusals = (CannotExpress,)  # type: ignore[attr-defined]


def test_a_refusal_before_sending_is_unsupported_with_its_message() -> None:
    (result,) = run(adapter=refusing, providers=["openai"], **FAST).results
    assert (result.outcome, result.reason) == ("unsupported", "this library has no parallel tools on this API")


@pytest.mark.parametrize("adapter", [refusing_after_sending, raising_other])
def test_any_other_exception_stays_a_failure(adapter: Any) -> None:
    (result,) = run(adapter=adapter, providers=["openai"], **FAST).results
    assert (result.outcome, result.failure) == ("fail", "crash")


def test_the_run_records_its_own_environment() -> None:
    report = run(adapter=old_signature, providers=["google"], **FAST)
    label = report.adapter
    entry = report.environments[label]
    assert entry["status"] == "ok" and entry["error"] is None
    assert {"harness", "pydantic", "openai", "anthropic", "google-genai"} <= set(entry["packages"])
    assert entry["packages"]["openai"] == openai.__version__
    assert Report.from_json(report.to_json()) == report


def test_an_adapters_packages_name_the_library_it_measures() -> None:
    """An adapter kept inside harness (as instructor's is) names its library, whose version is recorded."""

    def measuring_pytest(spec: str, sdk_client: Any, **kwargs: Any) -> Any:
        return old_signature(spec, sdk_client, **kwargs)

    measuring_pytest.packages = ("pytest",)  # type: ignore[attr-defined]
    report = run(adapter=measuring_pytest, providers=["openai"], **FAST)
    assert report.environments[report.adapter]["packages"]["pytest"] == pytest.__version__


def test_environments_from_files_and_included_reports_are_merged_by_label(tmp_path: Path) -> None:
    other = run(adapter=old_signature, providers=["openai"], **FAST).to_json()
    other["environments"]["mirascope"] = {"status": "ok", "packages": {"mirascope": "2.0"}, "error": None, "new": 1}
    (tmp_path / "other.json").write_text(json.dumps(other))
    failed = {"label": "mirascope", "status": "install_failed", "packages": {"openai": "3.3"}, "error": "conflict"}
    (tmp_path / "mirascope.json").write_text(json.dumps(failed))
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--examples", "10"]
    files = ["--include", str(tmp_path / "other.json"), "--environment", str(tmp_path / "mirascope.json")]
    assert main([*arguments, *files, "--out", str(tmp_path / "out")]) == EXIT_OK
    environments = json.loads((tmp_path / "out" / "report.json").read_text())["environments"]
    assert set(environments) == {"harness", other["adapter"], "mirascope"}
    assert environments["mirascope"] == {
        "status": "install_failed",
        "packages": {"mirascope": "2.0", "openai": "3.3"},
        "error": "conflict",
    }
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "| mirascope | install_failed | mirascope 2.0, openai 3.3 | conflict |" in markdown
    html = (tmp_path / "out" / "report.html").read_text()
    assert '<tr data-status="install_failed"><th>mirascope</th>' in html


@pytest.mark.parametrize(
    "data",
    [
        {"status": "ok", "packages": {}, "error": None},
        {"label": "x", "status": "broken", "packages": {}, "error": None},
        {"label": "x", "status": "ok", "packages": {"a": 1}, "error": None},
        ["not", "an", "object"],
    ],
)
def test_a_malformed_environment_file_is_a_usage_error(data: Any, tmp_path: Path) -> None:
    (tmp_path / "env.json").write_text(json.dumps(data))
    arguments = ["conformance", "--providers", "openai", "--features", "strings", "--examples", "3"]
    assert main([*arguments, "--environment", str(tmp_path / "env.json"), "--out", str(tmp_path)]) == EXIT_USAGE


def test_a_distribution_recorded_as_null_is_one_the_environment_does_not_hold() -> None:
    """The venv builder records a distribution it did not find as null (httpx where no library needs it)."""
    from harness.conformance._results import environment

    entry = environment({"label": "x", "status": "ok", "packages": {"httpx": None, "openai": "3.60.0"}}, label=True)
    assert entry["packages"] == {"openai": "3.60.0"}
    with pytest.raises(ValueError, match="version strings"):
        environment({"label": "x", "status": "ok", "packages": {"openai": 3}}, label=True)
