"""``--schemas``: JSON Schema documents and OpenAI function declarations as rows of the report.

Each schema found becomes a pydantic model through datamodel-code-generator (the ``[schemas]`` extra),
named after its declaration's ``name`` (kept exactly, as the tool name), else its file's stem. A file
holds one document, a list of them, or (``.jsonl``) one per line; a document is a tool's parameters
(JSON Schema), a declaration ``{"name", "description", "parameters"}``, or one wrapped as
``{"type": "function", "function": {...}}``.

Nothing is skipped. A schema that cannot become a model faithfully gets a row that is not measured, with
the reason naming the keyword at fault: invalid JSON or an invalid schema, a ``$ref`` outside the document
(never fetched), a keyword a pydantic model cannot express (the converter would drop it), or a
conversion that the two-way check caught: values drawn from the original must validate against the
model and keep every key, and values the model accepts must validate against the original
(``jsonschema``). A report that blamed a client for the converter's loss would be worse than none.
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import types
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pydantic
from pydantic import BaseModel, ValidationError

from harness.conformance._rows import Row, first_error, measured
from harness.errors import ModelsError
from harness.values import RandomSource, UnsatisfiableSchema, values_for

#: Values drawn each way by the conversion check.
CHECKS = 25
_SUFFIXES = (".json", ".jsonl")
#: Keywords a pydantic model cannot express, which the converter drops: where one constrains values,
#: the conversion cannot be faithful (``uniqueItems: false`` and the like constrain nothing).
_INEXPRESSIBLE = (
    "not",
    "if",
    "then",
    "else",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "contains",
    "minContains",
    "maxContains",
    "propertyNames",
    "unevaluatedProperties",
    "unevaluatedItems",
    "additionalItems",
    "uniqueItems",
    "$dynamicRef",
    "$recursiveRef",
)
#: Keywords whose value is one subschema, a list of them, or a map of names to them.
_ONE: tuple[str, ...] = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_ONE += ("propertyNames", "unevaluatedProperties", "unevaluatedItems", "additionalItems")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_counter = itertools.count()
_EXPERIMENTAL_MISSING = "from pydantic.experimental.missing_sentinel import MISSING"


@dataclass
class Declaration:
    """One schema found in a file: its tool name, parameters, and where it is (``file[#index]``)."""

    name: str
    schema: Any
    origin: str
    stem: str
    description: str | None = None
    #: Why the document is not a schema at all (invalid JSON, a declaration without a name...).
    problem: str | None = None


def schema_rows(paths: Sequence[str | Path]) -> list[Row]:
    """A row for every schema in ``paths`` (files, or folders searched for ``.json`` and ``.jsonl``)."""
    generate = _generator()
    return [convert(declaration, generate) for path in paths for declaration in declarations(Path(path))]


def declarations(path: Path) -> Iterator[Declaration]:
    """Every schema in ``path``, in order; `ModelsError` for a path that does not exist or holds none."""
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.suffix in _SUFFIXES and p.is_file())
        if not files:
            raise ModelsError(f"--schemas {path}: the folder holds no .json or .jsonl file")
    elif path.is_file():
        files = [path]
    else:
        raise ModelsError(f"--schemas {path}: no such file or folder")
    for file in files:
        yield from _documents(file)


def _documents(file: Path) -> Iterator[Declaration]:
    stem = file.stem
    try:
        text = file.read_text(encoding="utf-8-sig")  # a byte-order mark, as Windows editors write, is read past
    except (OSError, UnicodeDecodeError) as error:
        yield Declaration(stem, None, str(file), stem, problem=f"cannot read the file: {error}")
        return
    if file.suffix == ".jsonl":
        lines = [line for line in text.splitlines() if line.strip()]
        for index, line in enumerate(lines):
            yield from _parsed(line, stem, f"{file}#{index}", listed=False)
        return
    yield from _parsed(text, stem, str(file), listed=True)


def _parsed(text: str, stem: str, origin: str, *, listed: bool) -> Iterator[Declaration]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        yield Declaration(stem, None, origin, stem, problem=f"invalid JSON: {error}")
        return
    if listed and isinstance(document, list):
        for index, item in enumerate(document):
            yield _declaration(item, stem, f"{origin}#{index}")
        return
    yield _declaration(document, stem, origin)


def _declaration(item: Any, stem: str, origin: str) -> Declaration:
    if isinstance(item, dict) and item.get("type") == "function" and isinstance(item.get("function"), dict):
        item = item["function"]
    elif not (isinstance(item, dict) and _is_declaration(item)):
        description = item.get("description") if isinstance(item, dict) else None
        return Declaration(stem, item, origin, stem, description if isinstance(description, str) else None)
    name = item.get("name")
    if not isinstance(name, str) or not name:
        return Declaration(
            stem, None, origin, stem, problem=f"a function declaration's name must be a string, not {name!r}"
        )
    description = item.get("description")
    parameters = item.get("parameters", {"type": "object", "properties": {}})
    return Declaration(name, parameters, origin, stem, description if isinstance(description, str) else None)


def _is_declaration(item: dict[str, Any]) -> bool:
    """``{"name", "description", "parameters"}`` rather than a schema (which may have a property ``name``)."""
    return "parameters" in item or ("name" in item and not {"type", "properties", "$schema"} & item.keys())


# --- conversion ----------------------------------------------------------------------------------------


def convert(declaration: Declaration, generate: Any) -> Row:
    """The declaration's row: measured, or not with the reason naming what the conversion cannot keep."""
    feature = f"model:{declaration.name}"
    problem = declaration.problem or _problem(declaration.schema)
    if problem is None:
        try:
            model, source = _model(declaration, generate)
        except _Unconvertible as error:
            problem = str(error)
    if problem is not None:
        return Row(feature, None, declaration.origin, problem, declaration.stem)
    try:
        problem = conversion_problem(declaration.schema, model, seed=declaration.origin)
    except Exception as error:  # the schema breaks the checker itself (jsonschema, harness.values)
        problem = f"the conversion cannot be checked: {_line(error)}"
    if problem is not None:
        return Row(feature, None, declaration.origin, problem, declaration.stem, (model,))
    return measured(feature, [model], source, origin=declaration.origin, stem=declaration.stem)


class _Unconvertible(Exception):
    pass


def _problem(schema: Any) -> str | None:
    """What keeps ``schema`` from converting faithfully, found before converting: naming the keyword."""
    import jsonschema

    if not isinstance(schema, dict):
        return f"a tool's parameters are a JSON Schema object, not {type(schema).__name__}"
    try:
        jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator).check_schema(schema)
    except jsonschema.SchemaError as error:
        where = "/".join(["#", *map(str, error.path)])
        return f"invalid JSON Schema at {where}: {error.validator!r} {error.message}"
    if schema.get("type", "object") != "object" or not ({"type", "properties", "$ref", "allOf"} & schema.keys()):
        return f"a tool's parameters are an object schema; this one's type is {schema.get('type')!r}"
    for pointer, node in _subschemas(schema, "#"):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return f"$ref at {pointer}: {ref!r} is outside the document, and is never fetched"
        if isinstance(ref, str) and not _points_into(schema, ref):
            return f"$ref at {pointer}: {ref!r} names nothing in the document"
        for keyword in _INEXPRESSIBLE:
            if keyword in node and _constrains(keyword, node[keyword]):
                return f"keyword {keyword!r} at {pointer}: a pydantic model cannot express it (the converter drops it)"
        if "patternProperties" in node and "properties" in node:
            return f"keyword 'patternProperties' at {pointer} beside 'properties': a pydantic model cannot express both"
    return None


def _points_into(document: Any, ref: str) -> bool:
    """Whether the local JSON pointer ``ref`` (``#/$defs/A``) names a part of ``document``; an anchor
    (``#name``) is looked for as an ``$anchor``."""
    fragment = ref[1:]
    if fragment and not fragment.startswith("/"):
        return any(node.get("$anchor") == fragment for _, node in _subschemas(document, "#"))
    target = document
    for part in fragment.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(target, dict) and part in target:
            target = target[part]
        elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
            target = target[int(part)]
        else:
            return False
    return True


def _constrains(keyword: str, value: Any) -> bool:
    if keyword == "uniqueItems":
        return value is True
    return keyword == "not" or value not in (True, {})


def _subschemas(node: Any, pointer: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every subschema of ``node`` with its JSON pointer, ``node`` first (values of ``enum``, ``const``,
    ``default`` and ``examples`` are data, not schemas, and are not entered)."""
    if not isinstance(node, dict):
        return
    yield pointer, node
    for key in _ONE:
        if key in node:
            yield from _subschemas(node[key], f"{pointer}/{key}")
    for key in _LIST:
        for index, item in enumerate(node.get(key) or () if isinstance(node.get(key), list) else ()):
            yield from _subschemas(item, f"{pointer}/{key}/{index}")
    if isinstance(node.get("items"), list):
        for index, item in enumerate(node["items"]):
            yield from _subschemas(item, f"{pointer}/items/{index}")
    for key in _MAP:
        if isinstance(node.get(key), dict):
            for name, item in node[key].items():
                yield from _subschemas(item, f"{pointer}/{key}/{name}")


def _model(declaration: Declaration, generate: Any) -> tuple[type[BaseModel], str]:
    """The declaration's model (titled with its exact name) and the source that defines it."""
    class_name = _class_name(declaration.name)
    # An object that leaves additionalProperties unsaid converts to a model that ignores extra keys, as
    # every strict mode and converter reads a tool's parameters; one that says true keeps them.
    schema = declaration.schema
    if declaration.description and "description" not in schema:
        schema = {**schema, "description": declaration.description}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            source = generate(json.dumps(schema), class_name)
        if hasattr(pydantic, "MISSING"):  # no longer experimental since pydantic 2.14
            source = source.replace(_EXPERIMENTAL_MISSING, "from pydantic import MISSING")
    except Exception as error:
        raise _Unconvertible(f"datamodel-code-generator cannot convert it: {_line(error)}") from error
    module = types.ModuleType(f"harness_schemas_{next(_counter)}")
    sys.modules[module.__name__] = module  # pydantic resolves the models' annotations through it
    try:
        exec(compile(source, declaration.origin, "exec"), module.__dict__)
        model = getattr(module, class_name, None) or _last_model(module)
        model.model_config["title"] = declaration.name
        classes = _models_in(module)
        for each in classes:  # a schema's default is read as the field reads a value: 7 in a number is 7.0
            each.model_config["validate_default"] = True
            each.model_rebuild(force=True)
    except Exception as error:
        raise _Unconvertible(f"the converted model does not build: {_line(error)}") from error
    name = model.__name__
    title = f'{name}.model_config["title"] = {json.dumps(declaration.name)}  # the tool\'s name'
    lines = [source.rstrip(), "", "", title]
    lines += [f"for _model in ({', '.join(each.__name__ for each in classes)},):"]
    lines += ['    _model.model_config["validate_default"] = True  # a default reads as a value does']
    lines += ["    _model.model_rebuild(force=True)", ""]
    lines += ["from collections.abc import Iterable", "", f"response_model = Iterable[{name}]"]
    text = "\n".join(lines) + "\n"
    return model, text


def _class_name(name: str) -> str:
    """A class name for a tool name, as the converter would spell it (``get_weather`` -> ``GetWeather``)."""
    words = [word[:1].upper() + word[1:] for word in re.split(r"[^0-9A-Za-z]+", name) if word]
    identifier = "".join(words)
    return identifier if identifier[:1].isalpha() else f"Tool{identifier}"


def _last_model(module: types.ModuleType) -> type[BaseModel]:
    """The converter's root model where it named it otherwise: the last class it wrote."""
    models = _models_in(module)
    if not models:
        raise LookupError("the converter wrote no model class")
    return models[-1]


def _models_in(module: types.ModuleType) -> list[type[BaseModel]]:
    """The model classes the converter wrote, in the order it wrote them (each after those it uses)."""
    found = [v for v in vars(module).values() if isinstance(v, type) and issubclass(v, BaseModel)]
    return [model for model in found if model.__module__ == module.__name__]


def conversion_problem(schema: dict[str, Any], model: type[BaseModel], *, seed: str) -> str | None:
    """Why ``model`` is not faithful to ``schema``, checked both ways with drawn values, or ``None``."""
    import jsonschema

    for index in range(CHECKS):
        try:
            value = values_for(schema, RandomSource(f"{seed}:original:{index}"))
        except UnsatisfiableSchema as error:
            return f"no value can be drawn from the schema: {error}"
        try:
            instance = model.model_validate_json(json.dumps(value))
        except ValidationError as error:
            return f"the converted model refuses {_short(value)}, which the schema admits ({first_error(error)})"
        lost = _lost(value, instance.model_dump(mode="json", by_alias=True, exclude_unset=True), "")
        if lost:
            return f"the converted model loses {lost} of {_short(value)}, which the schema admits"
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    own = model.model_json_schema(by_alias=True)
    for index in range(CHECKS):
        try:
            value = values_for(own, RandomSource(f"{seed}:model:{index}"))
            instance = model.model_validate_json(json.dumps(value))
        except (UnsatisfiableSchema, ValidationError):
            continue  # the model's own schema is checked when its row is drawn
        # What the model would send: its defaults filled in, which pydantic never checks against the schema.
        with warnings.catch_warnings():  # pydantic warns of a default of the wrong type: the check says it
            warnings.simplefilter("ignore")
            sent = instance.model_dump(mode="json", by_alias=True)
        for shown, what in ((value, "accepts"), (sent, "fills in its defaults as")):
            refusal = jsonschema.exceptions.best_match(validator.iter_errors(shown))
            if refusal is not None:
                return (
                    f"keyword {refusal.validator!r} at {refusal.json_path}: the converted model {what} "
                    f"{_short(shown)}, which the schema rejects ({refusal.message[:200]})"
                )
    return None


def _lost(value: Any, dumped: Any, path: str) -> str | None:
    """The first key or item of ``value`` that ``dumped`` lacks (strings may be normalized: a URL's
    trailing slash, a time's ``Z``), as a JSON path."""
    if isinstance(value, dict):
        if not isinstance(dumped, dict):
            return path or "$"
        for key, item in value.items():
            if key not in dumped:
                return f"{path or '$'}.{key}"
            lost = _lost(item, dumped[key], f"{path or '$'}.{key}")
            if lost:
                return lost
        return None
    if isinstance(value, list):
        if not isinstance(dumped, list) or len(dumped) != len(value):
            return path or "$"
        for index, (item, other) in enumerate(zip(value, dumped, strict=True)):
            lost = _lost(item, other, f"{path or '$'}[{index}]")
            if lost:
                return lost
        return None
    if isinstance(value, str):
        return None if isinstance(dumped, str) else path or "$"
    if isinstance(value, bool) or isinstance(dumped, bool):
        return None if value is dumped else path or "$"
    if isinstance(value, (int, float)) and isinstance(dumped, float):
        # A JSON number in a float field: equal as the double every JSON parser reads it as.
        return None if float(value) == dumped else path or "$"
    return None if value == dumped else path or "$"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 200 else text[:200] + "..."


def _line(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error).strip() else ''}"[:500]


def _generator() -> Any:
    """``generate(schema_text, class_name) -> source``: datamodel-code-generator, set for faithful models."""
    try:
        import datamodel_code_generator as dmc
        from datamodel_code_generator.enums import DataModelType
        from datamodel_code_generator.parser import LiteralType
    except ImportError as error:
        raise ModelsError(
            "--schemas converts schemas with datamodel-code-generator, which is not installed: "
            "pip install 'parallel-tools-harness[schemas]'"
        ) from error

    def generate(text: str, class_name: str) -> str:
        source = dmc.generate(
            text,
            input_file_type=dmc.InputFileType.JsonSchema,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=dmc.PythonVersion.PY_311,
            class_name=class_name,
            formatters=[],  # no black or isort run: the source is executed, not read
            disable_timestamp=True,
            field_constraints=True,
            use_annotated=True,
            allow_remote_refs=False,
            use_standard_collections=True,
            use_union_operator=True,
            use_schema_description=True,
            enum_field_as_literal=LiteralType.All,
            use_double_quotes=True,
            # An optional property is left out, not sent as null: MISSING, not None, is its default.
            use_missing_sentinel=True,
            strict_nullable=True,
        )
        return str(source)

    return generate
