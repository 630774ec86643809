"""``--schemas``: every schema in a catalogue gets a row, converted honestly or refused naming the
keyword, and harness fails no row it did not refuse up front."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from pydantic import BaseModel, Field

from harness import HarnessError
from harness._toolset import tool_name
from harness.conformance import run, schema_rows
from harness.conformance._rows import unique
from harness.conformance._schemas import conversion_problem, declarations
from harness.errors import ModelsError

CATALOGUE = Path(__file__).parent.parent / "data" / "schemas"
#: more.json: draft-07 definitions, type lists with null, integer and mixed enums, defaults, a tagged
#: oneOf, a recursive $defs chain, a declaration without parameters, and a dotted tool name.
MORE = ["draft7_defs", "nullable_types", "int_enum", "defaults", "tagged_union", "recursive", "no_params", "lookup.v2"]


def test_each_way_of_writing_a_tool_is_found_with_its_name_and_origin() -> None:
    found = {d.origin.removeprefix(f"{CATALOGUE}/"): d.name for d in declarations(CATALOGUE)}
    assert found == {
        "broken.json": "broken",  # invalid JSON: named after its file
        "crm.json#0": "create_contact",  # {"type": "function", "function": {...}} in a list
        "crm.json#1": "tag_contact",
        "events.jsonl#0": "schedule",  # JSON Lines, one declaration a line
        "events.jsonl#1": "cancel",
        "get_weather.json": "get_weather",  # {"name", "description", "parameters"}
        "headers.json": "headers",  # a plain JSON Schema: named after its file
        "labels.json": "set_labels",
        "lookup.json": "lookup",
        **{f"more.json#{i}": name for i, name in enumerate(MORE)},
        "remote.json": "remote",
        "scalar.json": "scalar",
        "unique.json": "pick",
    }


def test_every_schema_gets_a_row_and_each_refusal_names_the_keyword() -> None:
    rows = {row.feature: row for row in unique(schema_rows([CATALOGUE]))}
    assert len(rows) == 12 + len(MORE)
    refused = {label: row.unconvertible for label, row in rows.items() if row.unconvertible}
    assert set(refused) == {
        "model:broken",
        "model:cancel",
        "model:lookup",
        "model:remote",
        "model:scalar",
        "model:pick",
    }
    assert refused["model:broken"].startswith("invalid JSON")
    assert refused["model:remote"].startswith("$ref at #/properties/geo: 'https://example.com/geo.json' is outside")
    assert refused["model:pick"].startswith("keyword 'uniqueItems' at #/properties/ids")
    assert refused["model:lookup"].startswith("keyword 'patternProperties' at # beside 'properties'")
    assert "type is 'string'" in refused["model:scalar"]
    # Overlapping oneOf branches: the two-way check finds a value the model takes and the schema refuses.
    assert refused["model:cancel"].startswith("keyword 'oneOf' at $.reason: the converted model accepts")
    # A converted model keeps the declaration's name exactly, as the tool's name, and its source says so.
    weather = rows["model:get_weather"]
    assert weather.origin == f"{CATALOGUE}/get_weather.json"
    (model,) = weather.models
    assert tool_name(model) == "get_weather"
    assert model.__doc__ and "Current weather" in model.__doc__
    namespace: dict[str, object] = {}
    assert weather.union is not None
    exec(weather.union.source(), namespace)
    assert tool_name(namespace["GetWeather"]) == "get_weather"  # type: ignore[arg-type]


class LooseQuantity(BaseModel):
    amount: int  # the schema says minimum 1


class Strict(BaseModel):
    amount: int = Field(ge=1)
    note: str | None = None  # the schema has no note: an instance keeping one is fine both ways


class BadDefault(BaseModel):
    timeout: float = "5000"  # type: ignore[assignment]  # as a schema's own "default": "5000" converts


def test_the_conversion_check_catches_a_default_the_schema_rejects() -> None:
    # (SchemaStore's linkinator-config: a number whose default is the string "5000".)
    schema = {"type": "object", "properties": {"timeout": {"type": "number", "default": "5000"}}}
    problem = conversion_problem(schema, BadDefault, seed="t")
    assert problem is not None
    assert problem.startswith("keyword 'type' at $.timeout: the converted model fills in its defaults as")


def test_the_conversion_check_catches_a_model_looser_or_stricter_than_its_schema() -> None:
    schema = {"type": "object", "properties": {"amount": {"type": "integer", "minimum": 1}}, "required": ["amount"]}
    loose = conversion_problem(schema, LooseQuantity, seed="t")
    assert loose is not None and loose.startswith("keyword 'minimum' at $.amount: the converted model accepts")
    stricter = {**schema, "properties": {"amount": {"type": "integer"}}}
    problem = conversion_problem(stricter, Strict, seed="t")
    assert problem is not None and problem.startswith("the converted model refuses")
    assert conversion_problem(schema, Strict, seed="t") is None


def test_harness_fails_no_row_it_did_not_refuse_up_front() -> None:
    rows = unique(schema_rows([CATALOGUE]))
    providers = ["openai", "openai+strict", "openai-responses", "anthropic", "anthropic+strict", "google"]
    report = run(providers=providers, rows=rows, examples=5, jobs=2)
    assert len(report.results) == len(rows) * len(providers)
    assert [r for r in report.results if r.outcome == "fail"] == []
    by_label = {row.feature: row for row in rows}
    for result in report.results:
        row = by_label[result.feature]
        assert result.origin == row.origin
        assert (result.outcome == "unconvertible") == (row.unconvertible is not None)
        if result.outcome in ("lossy", "unsupported", "unconvertible"):
            assert result.reason
    outcomes = {(r.provider, r.feature): r.outcome for r in report.results}
    assert outcomes["openai+strict", "model:create_contact"] == "lossy"  # a uri format it does not enforce
    assert outcomes["openai+strict", "model:tag_contact"] == "unsupported"  # a dict of labels: refused up front
    assert outcomes["anthropic", "model:tag_contact"] == "pass"
    # Keys that follow a pattern (patternProperties): sent as they are where the provider takes them,
    # refused up front naming the field where it does not (strict modes, Gemini).
    for label in ("model:headers", "model:set_labels"):
        assert outcomes["openai", label] == outcomes["anthropic", label] == "pass"
        for provider in ("openai+strict", "anthropic+strict", "google"):
            assert outcomes[provider, label] == "unsupported"
    reasons = {(r.provider, r.feature): r.reason or "" for r in report.results}
    # A dotted name breaks OpenAI's and Anthropic's naming rule: refused before sending, naming it.
    assert outcomes["openai", "model:lookup.v2"] == outcomes["anthropic", "model:lookup.v2"] == "unsupported"
    assert reasons["openai", "model:lookup.v2"].startswith("tool name 'lookup.v2' (from LookupV2) breaks openai's rule")
    assert outcomes["google", "model:lookup.v2"] == "pass"  # Gemini's names take dots
    for label in ("model:draft7_defs", "model:nullable_types", "model:int_enum", "model:tagged_union"):
        assert {outcomes[provider, label] for provider in providers} <= {"pass", "lossy"}, label
    assert "patternProperties) at set_labels.labels" in reasons["openai+strict", "model:set_labels"]
    assert "'patternProperties' at set_labels.labels" in reasons["google", "model:set_labels"]


def test_two_declarations_of_one_name_are_prefixed_with_their_file_stem(tmp_path: Path) -> None:
    declaration = {"name": "lookup", "parameters": {"type": "object", "properties": {"key": {"type": "string"}}}}
    (tmp_path / "billing.json").write_text(json.dumps(declaration))
    (tmp_path / "search.jsonl").write_text(json.dumps(declaration) + "\n")
    rows = unique(schema_rows([tmp_path]))
    assert [(row.feature, row.origin) for row in rows] == [
        ("model:billing.lookup", f"{tmp_path}/billing.json"),
        ("model:search.lookup", f"{tmp_path}/search.jsonl#0"),
    ]


def test_a_path_without_schemas_is_a_typed_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ModelsError, match=f"--schemas {tmp_path}/nowhere: no such file or folder"):
        schema_rows([tmp_path / "nowhere"])
    with pytest.raises(ModelsError, match=r"holds no \.json or \.jsonl file"):
        schema_rows([tmp_path])


def test_without_the_extra_the_error_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "datamodel_code_generator", None)  # as if it were not installed
    with pytest.raises(HarnessError, match=r"pip install 'parallel-tools-harness\[schemas\]'"):
        schema_rows([CATALOGUE])


def test_broken_and_unusual_files_each_get_a_row_and_none_stops_the_run(tmp_path: Path) -> None:
    plain = {"type": "object", "properties": {"q": {"type": "string"}}}
    (tmp_path / "bom.json").write_text(json.dumps({"name": "bom", "parameters": plain}), encoding="utf-8-sig")
    (tmp_path / "empty.json").write_text("")
    (tmp_path / "latin1.json").write_bytes('{"name": "caf\xe9"}'.encode("latin-1"))
    (tmp_path / "bfcl.json").write_text(json.dumps({"name": "bfcl", "parameters": {**plain, "type": "dict"}}))
    dangling = {"type": "object", "properties": {"v": {"$ref": "#/definitions/Nope"}}}
    (tmp_path / "dangling.json").write_text(json.dumps({"name": "dangling", "parameters": dangling}))
    rooted = {"$ref": "#/$defs/A", "$defs": {"A": plain}}
    (tmp_path / "rooted.json").write_text(json.dumps({"name": "rooted", "parameters": rooted}))
    (tmp_path / "lines.jsonl").write_text(json.dumps({"name": "first", "parameters": plain}) + "\nnot json\n")
    rows = {row.feature: row for row in unique(schema_rows([tmp_path]))}
    reasons = {label: row.unconvertible for label, row in rows.items()}
    assert reasons == {
        "model:bfcl": "invalid JSON Schema at #/type: 'anyOf' 'dict' is not valid under any of the given schemas",
        "model:bom": None,  # a byte-order mark is read past
        "model:dangling": "$ref at #/properties/v: '#/definitions/Nope' names nothing in the document",
        "model:empty": "invalid JSON: Expecting value: line 1 column 1 (char 0)",
        "model:latin1": reasons["model:latin1"],
        "model:first": None,
        "model:lines": "invalid JSON: Expecting value: line 1 column 1 (char 0)",
        "model:rooted": None,  # a root $ref to an object converts
    }
    assert str(reasons["model:latin1"]).startswith("cannot read the file: 'utf-8' codec can't decode")
    assert rows["model:lines"].origin == f"{tmp_path}/lines.jsonl#1"
