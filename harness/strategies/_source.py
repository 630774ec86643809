"""Python source for drawn models: pasteable, and the cache key of the classes built from the same specs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from harness.strategies._models import (
    MISSING,
    ClassSpec,
    EnumSpec,
    FieldSpec,
    Imports,
    ModelSpec,
    render_value,
    spec_key,
    walk,
)

_INDENT = "    "


def _field_line(spec: FieldSpec) -> tuple[str, Imports]:
    imports = spec.type.imports()
    default: str | None = None
    if spec.default is not MISSING:
        rendered = render_value(spec.default)
        if rendered is None:  # the drawers only attach renderable defaults
            raise AssertionError(f"no literal for the default {spec.default!r} of {spec.name}")
        default, more = rendered
        imports |= more
    kwargs = [f"default_factory={spec.factory}"] if spec.factory else []
    if spec.alias is not None:
        kwargs.append(f"alias={spec.alias!r}")
    if spec.description is not None:
        kwargs.append(f"description={spec.description!r}")
    if kwargs:
        rhs = " = Field(" + ", ".join([default, *kwargs] if default is not None else kwargs) + ")"
    else:
        rhs = f" = {default}" if default is not None else ""
    return f"{_INDENT}{spec.name}: {spec.src()}{rhs}", imports


def _model_source(spec: ModelSpec) -> tuple[list[str], Imports]:
    lines = [f"class {spec.name}(BaseModel):"]
    imports: Imports = frozenset()
    if spec.doc is not None:
        lines.append(f"{_INDENT}{spec.doc!r}")
    if spec.title is not None:
        lines.append(f"{_INDENT}model_config = ConfigDict(title={spec.title!r})")
    for f in spec.fields:
        line, more = _field_line(f)
        lines.append(line)
        imports |= more
    if len(lines) == 1:
        lines.append(f"{_INDENT}pass")
    return lines, imports


def _class_source(spec: ClassSpec) -> tuple[list[str], Imports]:
    if isinstance(spec, EnumSpec):
        lines = [f"class {spec.name}({spec.base}):"]
        lines += [f"{_INDENT}{name} = {value!r}" for name, value in spec.members]
        return lines, frozenset({("enum", spec.base)})
    if isinstance(spec, ModelSpec):
        return _model_source(spec)
    lines, imports = _model_source(spec.node)
    rebuild = [f"{spec.node.name}.model_rebuild()"]
    if spec.branch is not None:
        branch, more = _model_source(spec.branch)
        lines += ["", "", *branch]
        imports |= more
        rebuild.append(f"{spec.branch.name}.model_rebuild()")
    return [*lines, "", "", *rebuild], imports


def class_key(spec: ClassSpec) -> str:
    """The source of ``spec`` and everything it depends on: equal keys give equal classes."""
    return "\n".join("\n".join(_class_source(s)[0]) for s in walk((spec,)))


def _import_lines(imports: Iterable[tuple[str, str]], body: str) -> list[str]:
    by_module: dict[str, set[str]] = {}
    for module, name in imports:
        by_module.setdefault(module, set()).add(name)
    lines = [f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(by_module.items())]
    pydantic = ["BaseModel"] + [name for name in ("ConfigDict", "Field") if f"{name}(" in body]
    return [*lines, *([""] if lines else []), f"from pydantic import {', '.join(pydantic)}"]


def module_source(models: Sequence[ModelSpec], *, header: str = "", response_model: bool = True) -> str:
    """Imports, enums, nested models, ``models`` and (optionally) ``response_model = Iterable[A | B]``."""
    blocks: list[str] = []
    imports: set[tuple[str, str]] = set()
    for spec in walk(models):
        lines, more = _class_source(spec)
        blocks.append("\n".join(lines))
        imports |= more
    if response_model:
        imports.add(("typing", "Iterable"))
        blocks.append(f"response_model = Iterable[{' | '.join(m.name for m in models)}]")
    body = "\n\n\n".join(blocks)
    head = [header] if header else []
    return "\n".join([*head, *_import_lines(imports, body), "", "", body]) + "\n"


def check_names(models: Sequence[ModelSpec]) -> None:
    """Raise ValueError when two different classes would share a name in one source text."""
    seen: dict[str, str] = {}
    for spec in models:
        for dep in walk((spec,)):
            key = spec_key(dep)
            if seen.setdefault(dep.name, key) != key:
                raise ValueError(
                    f"two different generated classes are both named {dep.name!r}; "
                    "render models drawn in one union_schemas() draw, or from separate models() draws one at a time"
                )
