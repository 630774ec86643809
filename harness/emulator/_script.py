"""Scripts: prompts mapped to exact calls, text or faults, so a demo or a test gets the answer it wants.

A script is YAML or JSON, a list of rules tried in order against the text of the request's last user
turn; the first that matches decides:

```yaml
- match: weather in toronto          # a substring, case-insensitive
  calls:
    - Weather: {location: Toronto, units: metric}
    - {name: GoogleSearch, arguments: {query: who won the super bowl}}
- match: /^say (hi|hello)/           # a regular expression, between slashes
  text: Hello!
- match: rate limit
  fault: rate_limit                  # or {name: slow, seconds: 2}
```

A request no rule matches is answered from the tools' schemas.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.emulator._faults import Fault, fault_named

_RULE_KEYS = frozenset({"match", "calls", "text", "fault"})


class ScriptError(ValueError):
    """A script that cannot be read: names the file and the rule at fault."""


@dataclass(frozen=True)
class ScriptedCall:
    name: str
    arguments: Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    """One rule: when ``pattern`` finds the prompt, answer with calls, text or a fault."""

    pattern: re.Pattern[str]
    calls: tuple[ScriptedCall, ...] = ()
    text: str | None = None
    fault: Fault | None = None
    #: Where the rule was read: ``"seed.yaml: rule 2"``.
    where: str = ""


@dataclass(frozen=True)
class Script:
    rules: tuple[Rule, ...] = ()
    source: str = field(default="", compare=False)

    def rule_for(self, prompt: str) -> Rule | None:
        return next((rule for rule in self.rules if rule.pattern.search(prompt)), None)


def load_script(path: str | Path) -> Script:
    """Read a script file (``.yaml``, ``.yml`` or ``.json``)."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except ValueError as exc:  # json.JSONDecodeError and yaml.YAMLError are both ValueErrors here
        raise ScriptError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from None
    except Exception as exc:  # yaml.YAMLError does not derive from ValueError
        raise ScriptError(f"{path}: not valid YAML: {exc}") from None
    return parse_script(data, source=str(path))


def parse_script(data: Any, *, source: str = "<script>") -> Script:
    if not isinstance(data, list):
        raise ScriptError(f"{source}: a script is a list of rules, got {type(data).__name__}")
    return Script(tuple(_rule(rule, f"{source}: rule {i + 1}") for i, rule in enumerate(data)), source)


def _rule(data: Any, where: str) -> Rule:
    if not isinstance(data, dict) or "match" not in data:
        raise ScriptError(f"{where}: a rule is a mapping with 'match' and one of calls, text or fault")
    unknown = set(data) - _RULE_KEYS
    if unknown:
        raise ScriptError(f"{where}: unknown keys {sorted(unknown)} (a rule has {sorted(_RULE_KEYS)})")
    answers = [key for key in ("calls", "text", "fault") if key in data]
    if len(answers) != 1:
        raise ScriptError(f"{where}: give exactly one of calls, text or fault (got {answers or 'none'})")
    match = str(data["match"])
    try:
        if len(match) > 1 and match.startswith("/") and match.endswith("/"):
            pattern = re.compile(match[1:-1])
        else:
            pattern = re.compile(re.escape(match), re.IGNORECASE)
    except re.error as exc:
        raise ScriptError(f"{where}: match {match!r} is not a regular expression: {exc}") from None
    if "calls" in data:
        return Rule(pattern, calls=tuple(_calls(data["calls"], where)), where=where)
    if "text" in data:
        return Rule(pattern, text=str(data["text"]), where=where)
    try:
        return Rule(pattern, fault=fault_named(data["fault"]), where=where)
    except ValueError as exc:
        raise ScriptError(f"{where}: {exc}") from None


def _calls(data: Any, where: str) -> Sequence[ScriptedCall]:
    if not isinstance(data, list) or not data:
        raise ScriptError(f"{where}: calls is a non-empty list")
    calls = []
    for i, call in enumerate(data):
        if isinstance(call, dict) and set(call) <= {"name", "arguments"} and "name" in call:
            name, arguments = call["name"], call.get("arguments", {})
        elif isinstance(call, dict) and len(call) == 1:
            ((name, arguments),) = call.items()
        else:
            raise ScriptError(f"{where}: call {i + 1} is {{Tool: {{arguments}}}} or {{name: Tool, arguments: {{...}}}}")
        if not isinstance(arguments, dict):
            raise ScriptError(f"{where}: call {i + 1} ({name}): arguments are a mapping")
        calls.append(ScriptedCall(str(name), arguments))
    return calls
