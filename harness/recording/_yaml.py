"""YAML with bounded work and every node's line: how a cassette file is read and written.

Reading builds values from the composed nodes, not through PyYAML's constructor, so a file holds
JSON's values only and every fault names the line of its node; nesting and aliases are bounded, so a
hostile file (a cassette arrives in a pull request) fails at once. Writing never emits an alias.
What the values must mean as a cassette is `harness.recording._format`'s business.
"""

from __future__ import annotations

from typing import Any

import yaml

from harness.recording._errors import CassetteFormatError

try:  # libyaml when present: several times faster on large cassettes
    _Loader: Any = yaml.CSafeLoader
    _BaseDumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover - pure-Python PyYAML
    _Loader = yaml.SafeLoader
    _BaseDumper = yaml.SafeDumper


class _Dumper(_BaseDumper):  # type: ignore[misc]
    def ignore_aliases(self, data: Any) -> bool:
        return True  # a value written twice is written out twice: the loader refuses aliases


def _represent_str(dumper: Any, text: str) -> Any:
    # Multi-line text (SSE events, long prompts) as literal blocks: readable, and diffs line by line.
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_str)


def dump_yaml(document: Any) -> str:
    text: str = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=1_000_000)
    return text


def load_yaml(text: str) -> Any:
    """A document another tool wrote (see `load_document`): ``!!binary`` gives bytes, an alias a shared value.

    Sharing costs nothing to load; what reads the values must bound what writing them out costs.
    """
    return load_document(text, foreign=True)[0]


# --- reading YAML with bounded work and every node's line ------------------------------------------

#: Deeper than any recorded answer or request nests; bounds the recursion that builds and checks values.
MAX_DEPTH = 200
_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "str"))
NodePath = tuple[str | int, ...]


def load_document(text: str, *, foreign: bool = False) -> tuple[Any, dict[NodePath, int]]:
    """The document in ``text`` and the 1-based line of each of its nodes, by path.

    Values are built from the composed nodes, not by PyYAML's constructor: a cassette holds JSON's
    values (in a ``foreign`` file, ``!!binary`` bytes too); a date, a set, a merge key, a tag of
    another kind, a duplicate key or a key that is not text is a fault. In a harness cassette an
    alias is a fault as well: the writer never makes one, and nested aliases expand a 2 KB file
    into a billion values.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses: it knows the position only
            line = text.count("\n", 0, exc.position) + 1
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc)
        raise CassetteFormatError(f"invalid YAML: {problem}", line=line) from None
    lines: dict[NodePath, int] = {}
    if node is None:
        return None, lines
    return _Builder(text, lines, foreign).value(node, (), 0), lines


class _Builder:
    def __init__(self, text: str, lines: dict[NodePath, int], foreign: bool) -> None:
        self.text, self.lines, self.foreign = text, lines, foreign
        self.built: dict[int, Any] = {}  # by node: an alias is the node of its anchor
        self.constructor = yaml.constructor.SafeConstructor()

    def value(self, node: Any, path: NodePath, depth: int) -> Any:
        self.lines.setdefault(path, node.start_mark.line + 1)
        where = Place(self.lines, path)
        if id(node) in self.built:
            if self.foreign:
                return self.built[id(node)]
            raise CassetteFormatError("a cassette has no YAML aliases (*name): write the value out", line=self._alias())
        if depth > MAX_DEPTH:  # an alias to an anchor around it, too
            raise where.fault(f"nested more than {MAX_DEPTH} levels deep")
        value = self.build(node, path, where, depth)
        self.built[id(node)] = value
        return value

    def build(self, node: Any, path: NodePath, where: Place, depth: int) -> Any:
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, where)
        if isinstance(node, yaml.SequenceNode) and node.tag == _TAG + "seq":
            return [self.value(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode) and node.tag == _TAG + "map":
            mapping: dict[str, Any] = {}
            for key, item in node.value:
                line = key.start_mark.line + 1
                if not isinstance(key, yaml.ScalarNode) or key.tag != _TAG + "str":
                    raise CassetteFormatError(f"{where}: a key is text, not {key.tag.removeprefix(_TAG)}", line=line)
                if key.value in mapping:
                    raise CassetteFormatError(f"{where}: {key.value!r} appears twice", line=line)
                self.lines[(*path, key.value)] = line
                mapping[key.value] = self.value(item, (*path, key.value), depth + 1)
            return mapping
        raise where.fault(f"YAML tag {node.tag.removeprefix(_TAG)!r} is not a cassette value (JSON's, or text)")

    def scalar(self, node: Any, where: Place) -> Any:
        if node.tag == _TAG + "str":
            return node.value
        if node.tag not in _SCALAR_TAGS and not (self.foreign and node.tag == _TAG + "binary"):
            hint = "; quote it to keep it as text" if node.tag == _TAG + "timestamp" else ""
            raise where.fault(f"{node.value!r} is a YAML {node.tag.removeprefix(_TAG)}, not a cassette value{hint}")
        try:
            return self.constructor.yaml_constructors[node.tag](self.constructor, node)
        except (ValueError, KeyError, IndexError, yaml.YAMLError):  # an explicit tag on text it cannot be: !!int abc
            raise where.fault(f"{node.value!r} is not a YAML {node.tag.removeprefix(_TAG)}") from None

    def _alias(self) -> int | None:
        """The line of the first alias (the composed node only knows its anchor's)."""
        for event in yaml.parse(self.text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent) and event.start_mark is not None:
                return int(event.start_mark.line) + 1
        return None  # pragma: no cover - a shared node comes from an alias


class Place:
    """A node of the file: its path, for messages, and its line."""

    def __init__(self, lines: dict[NodePath, int], path: NodePath = ()) -> None:
        self.lines, self.path = lines, path

    def at(self, step: str | int) -> Place:
        return Place(self.lines, (*self.path, step))

    @property
    def line(self) -> int | None:
        """The node's line, or its nearest ancestor's (a missing key is the mapping's fault)."""
        for end in range(len(self.path), -1, -1):
            if self.path[:end] in self.lines:
                return self.lines[self.path[:end]]
        return None

    def fault(self, problem: str) -> CassetteFormatError:
        return CassetteFormatError(f"{self}: {problem}" if self.path else problem, line=self.line)

    def __str__(self) -> str:
        steps = [f"[{s}]" if isinstance(s, int) else f".{s}" for s in self.path]
        return "".join(steps).removeprefix(".")


def described(value: Any) -> str:
    return "nothing" if value is None else f"{type(value).__name__} {short(value)}"


def short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def line_of(text: str, path: list[str | int]) -> int | None:
    """The 1-based line where the node at ``path`` starts, found by composing the YAML again."""
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    for step in path:
        if node is None:
            return None
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == step), None)
        elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) and step < len(node.value):
            node = node.value[step]
        else:
            node = None
    return None if node is None else int(node.start_mark.line) + 1
