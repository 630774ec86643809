"""The round-trip property for one (provider, feature) cell, run and shrunk by Hypothesis.

Each example draws a union of models for the cell's feature (another, up to five times, while the
adapter refuses it up front) and two lists of instances, then:

1. runs the adapter against an in-memory endpoint, reads the declarations it sent and checks them
   against the provider's documented rules (`._declarations`);
2. checks the sent schema is not stricter than the model (each instance validates against it);
3. answers with the instances as parallel calls, plain and streamed, and compares what comes back
   (`._oracle`);
4. serves values drawn from the *sent* schema (`harness.values`), which the adapter must read
   as pydantic does, or refuse where pydantic does: a looser schema is ``lossy`` only when the
   limits registry lists it (`._limits`).

Each failure has a kind (`FAILURES`): an example runs all its calls and records the worst kind it
found; the examples after a failing one return at once. Nothing is raised to Hypothesis, so nothing is
shrunk or replayed by it: its shrinker made a failing cell cost many times a passing one (hundreds of
adapter calls), and it could not keep the kind fixed. The runner reduces the failing call itself
instead, within a budget of adapter calls, dropping models, calls and fields and simplifying values
while the call fails with the same kind (`CellRun._reduce`).
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import HypothesisException
from pydantic import BaseModel

from harness._toolset import tool_name, wire_arguments
from harness.conformance._declarations import declaration_problem, stricter_problem
from harness.conformance._endpoint import Endpoint, Exchange
from harness.conformance._limits import Limit, limits_for, looseness
from harness.conformance._oracle import difference, dumped, pydantic_reading
from harness.conformance._results import FAILURES, CellResult, Counterexample, Failure, Outcome
from harness.conformance._rows import ModelUnion, fixed_union
from harness.errors import UnsupportedSchemaError
from harness.providers._base import WireAnswer, WireCall
from harness.strategies import UnionSchema, instances, union_schemas
from harness.strategies._reduce import omissions, reductions, simplifications
from harness.values import HypothesisSource, UnsatisfiableSchema, values_for

MESSAGES: list[dict[str, Any]] = [{"role": "user", "content": "Call the tools for this request."}]
#: Instance lists per drawn union: a union (new models, new schemas) costs more than a round trip.
LISTS_PER_EXAMPLE = 2
#: Values drawn from the sent schema per example (the "not looser" check).
PROBES_PER_EXAMPLE = 2
#: Adapter calls per example: each list answered twice (as drawn and reversed: a new order costs no
#: draw), plain and streamed, and the probes. Ten, so a cell runs exactly the round trips asked for when
#: that is a multiple of ten, and at least that many otherwise (unless the adapter refuses unions).
CALLS_PER_EXAMPLE = 4 * LISTS_PER_EXAMPLE + PROBES_PER_EXAMPLE
#: Unions drawn per example until one is not refused up front.
UNIONS_PER_EXAMPLE = 5
MAX_MODELS = 3
MAX_CALLS = 4


@dataclass(frozen=True)
class Cell:
    """``provider`` is a spec prefix, with ``+strict`` for a strict mode (``"anthropic+strict"``)."""

    provider: str
    feature: str

    @property
    def prefix(self) -> str:
        return self.provider.removesuffix("+strict")

    @property
    def strict(self) -> bool:
        return self.provider.endswith("+strict")


class _Failed(Exception):
    """A call broke the property (`CellRun._fail` recorded how): the rest of that call is skipped."""


class _Refused(Exception):
    """The adapter refused the union up front (``UnsupportedSchemaError``): nothing to check."""


@dataclass
class _Call:
    got: Any = None
    error: BaseException | None = None
    exchanges: list[Exchange] = field(default_factory=list)


@dataclass(frozen=True)
class _Attempt:
    """One adapter call: the union, plain or streamed, and either the instances answered (a round trip)
    or the probe's value (its model's index in the union, and the JSON served as it is)."""

    union: UnionSchema
    stream: bool
    calls: tuple[BaseModel, ...] = ()
    probe: tuple[int, Any] | None = None

    def values(self) -> list[tuple[int, Any]]:
        """Each value's model index and JSON, as `harness.strategies._reduce.reductions` takes them."""
        if self.probe is not None:
            return [self.probe]
        return [(self.union.models.index(type(call)), wire_arguments(call)) for call in self.calls]

    def smaller(self) -> Iterator[tuple[Any, Callable[[], _Attempt | None]]]:
        """The same call with one model, call or field fewer, or (a round trip) one value simpler, each
        with its label and built when called: ``None`` when the values no longer fit the models (see
        `harness.strategies._reduce`). A probe's value is not simplified: it must stay one the sent
        schema admits."""
        for label, reduction in reductions(self.union, self.values()):
            yield label, functools.partial(self._built, reduction)
        if self.probe is None and isinstance(self.union, ModelUnion):
            # A fixed model cannot lose a field, but a value can leave out an optional one.
            for label, values in omissions(self.values()):
                yield label, functools.partial(self._built, functools.partial(_as_is, self.union, values))
        if self.probe is None:
            for label, values in simplifications(self.values()):
                yield label, functools.partial(self._built, functools.partial(_as_is, self.union, values))

    def _built(self, reduction: Callable[[], tuple[UnionSchema, list[tuple[int, Any]]]]) -> _Attempt | None:
        union, values = reduction()
        if self.probe is not None:
            return _Attempt(union, self.stream, probe=values[0])
        try:
            calls = tuple(union.models[i].model_validate_json(json.dumps(value)) for i, value in values)
        except ValueError:  # the values no longer fit the smaller models
            return None
        return _Attempt(union, self.stream, calls=calls)


def _as_is(union: UnionSchema, values: list[tuple[int, Any]]) -> tuple[UnionSchema, list[tuple[int, Any]]]:
    return union, values


#: Adapter calls the reduction of a counterexample may make (no more than the cell's examples): each try
#: is one call, and a failing cell should cost no more than twice a passing one.
_REDUCTION_CALLS = 40
#: Plain round trips run, after a streamed failure, to say how plain answers alone fare (after the
#: counterexample itself, replayed plain).
_PLAIN_CALLS = 2 * CALLS_PER_EXAMPLE


class CellRun:
    """The state of one cell across Hypothesis's examples."""

    def __init__(self, adapter: Callable[..., Any], cell: Cell, *, streamed: bool = True) -> None:
        self.adapter = adapter
        self.cell = cell
        #: ``False`` runs plain answers only: how a cell that fails streamed fares without streaming.
        self.streamed = streamed
        self.endpoint = _endpoint(cell.prefix)
        #: The union of a ``model:`` row (the user's own models); ``None`` draws one per example.
        self.fixed = fixed_union(cell.feature)
        self.round_trips = 0
        self.checked = 0
        self.refused = 0
        self.refusal: str | None = None
        self.limits: list[Limit] = []
        #: Values served by the "not looser" check, and draws harness.values could not make (and why).
        self.probes = 0
        self.undrawable = 0
        self.undrawn: str | None = None
        self.failure: Counterexample | None = None
        #: The declarations last found valid, with the instances checked against them (checked once).
        #: The instances are held, so their ids cannot be reused by a later example's.
        self._checked: tuple[Any, set[int]] | None = None
        self._checked_calls: list[BaseModel] = []
        #: What the adapter is being asked, and what it was asked when the last failure was recorded.
        self._attempt: _Attempt | None = None
        self._failing: _Attempt | None = None
        #: The first request of the example's last round trip: the declarations the probes draw from.
        self._sent: Exchange | None = None

    # --- one example ----------------------------------------------------------------------
    def example(self, data: st.DataObject) -> None:
        if self.failure is not None:
            return  # the cell has failed: the rest of Hypothesis's examples cost nothing
        if self.fixed is not None:  # a row of the user's models: only its instances are drawn
            with contextlib.suppress(_Refused):
                self._check(data, self.fixed)
                self.checked += 1
            return
        # A union the adapter refuses up front checks nothing: draw another, so a cell where some unions
        # are refused (Gemini and required recursion, say) still runs the round trips asked for.
        for _ in range(UNIONS_PER_EXAMPLE):
            union = data.draw(union_schemas(max_models=MAX_MODELS, features=[self.cell.feature]), label="union")
            try:
                self._check(data, union)
            except _Refused:
                if self.failure is not None:
                    return  # refused after a call of this union failed: the failure stands
                continue
            self.checked += 1
            return

    def _check(self, data: st.DataObject, union: UnionSchema) -> None:
        """Every call of the example, even after one failed (its worst failure is the one recorded)."""
        self._sent = None
        for _ in range(LISTS_PER_EXAMPLE):
            calls = data.draw(instances(union, max_size=MAX_CALLS), label="calls")
            # Each list is answered twice: in reverse order too, or (one call) with another single call.
            again = calls[::-1] if len(calls) > 1 else data.draw(instances(union, max_size=1), label="another call")
            for order in (calls, again):
                for stream in (False, True) if self.streamed else (False,):
                    self._checking(functools.partial(self._round_trip, union, order, stream=stream))
        for _ in range(PROBES_PER_EXAMPLE):
            streamed = self.streamed and data.draw(st.booleans(), label="probe streamed")
            self._checking(functools.partial(self._probe, data, union, stream=streamed))

    @staticmethod
    def _checking(call: Callable[[], object]) -> None:
        """Run ``call``; a failure ends it, and `_fail` has recorded it (unless a worse one was)."""
        with contextlib.suppress(_Failed):
            call()

    def _call(self, union: UnionSchema, answer: WireAnswer, *, stream: bool) -> _Call:
        from harness.conformance._adapters import adapter_keywords, refusal  # (a cached module: no cost)

        self.endpoint.serve(answer)
        self.round_trips += 1
        kwargs: dict[str, Any] = {"messages": MESSAGES, "response_model": union.response_model, "stream": stream}
        if self.cell.strict:
            kwargs["strict"] = True
        for name in adapter_keywords(self.adapter):  # only those its signature names: the old one runs as is
            kwargs[name] = self.endpoint.keyword(name)
        outcome = _Call()
        try:
            outcome.got = self.adapter(self.endpoint.spec, self.endpoint.sdk_client, **kwargs)
            if not isinstance(outcome.got, (list, tuple)) and hasattr(outcome.got, "__iter__"):
                outcome.got = list(outcome.got)  # a lazy result is consumed, as a caller would
        except Exception as error:  # the adapter's failure is a finding, never the runner's
            outcome.error = error
        outcome.exchanges = list(self.endpoint.exchanges)
        if outcome.error is not None and not outcome.exchanges:  # a library's own "cannot express this"
            outcome.error = refusal(self.adapter, outcome.error) or outcome.error
        return outcome

    def _round_trip(self, union: UnionSchema, calls: list[BaseModel], *, stream: bool) -> Exchange:
        self._attempt = _Attempt(union, stream, calls=tuple(calls))
        answer = WireAnswer.of(calls)
        result = self._call(union, answer, stream=stream)
        if isinstance(result.error, UnsupportedSchemaError) and not result.exchanges:
            self.round_trips -= 1  # refused before sending: no round trip
            self.refused += 1
            self.refusal = self.refusal or str(result.error)
            raise _Refused
        fail = functools.partial(self._fail, union, result, expected=calls, stream=stream)
        if not result.exchanges:
            # Raising before sending, not a declared refusal, is a crash; returning without a request,
            # the answer can never arrive.
            fail(
                "round trip",
                "crash" if result.error else "loses_data",
                "the adapter sent no request" + _raised(result.error),
            )
        first = self._sent = result.exchanges[0]
        problems: list[tuple[str, Failure, str]] = []
        # The streamed and the reversed requests declare what the first did: check each declaration and
        # instance set once.
        key = (first.body.get("tools"), {id(call) for call in calls})
        if key != self._checked:
            problem = declaration_problem(self.endpoint.provider, first, union.models, strict=self.cell.strict)
            if problem:
                problems.append(("declarations", "rejected", problem))
            try:
                problem = stricter_problem(first, calls)
            except KeyError:  # a model without a tool of its name: the declarations check says so
                problem = None
            if problem:
                problems.append(("stricter", "loses_data", problem))
            if not problems:
                self._checked, self._checked_calls = key, calls
        if result.error is not None:
            problems.append(("round trip", "crash", "the adapter raised on a valid answer" + _raised(result.error)))
        else:
            if len(result.exchanges) > 1:
                requests = f"the adapter sent {len(result.exchanges)} requests for one valid answer"
                problems.append(("round trip", "crash", requests))
            problem = difference(calls, result.got)
            if problem:
                problems.append(("round trip", "loses_data", problem))
        if problems:
            fail(*min(problems, key=lambda problem: FAILURES.index(problem[1])))
        return first

    def _probe(self, data: st.DataObject, union: UnionSchema, *, stream: bool) -> None:
        """Serve a value drawn from the sent schema; the adapter must read it as pydantic does."""
        model = data.draw(st.sampled_from(union.models), label="probed model")
        sent = self._sent
        if sent is None or sent.received is None:
            return  # no request was made: the round trips failed already
        name = tool_name(model)
        tool = next((t for t in sent.received.tools if t.name == name and t.kind == "function"), None)
        if tool is None:
            return  # no tool of the model's name: the declarations check failed already
        try:
            value = values_for(tool.schema or {}, HypothesisSource(data), dialect=tool.dialect)
        except UnsatisfiableSchema as error:
            # Nothing to serve: counted, so a cell none of whose values could be drawn does not pass.
            self.undrawable += 1
            self.undrawn = self.undrawn or f"{name}: {error}"
            return
        self.probes += 1
        self._serve_probe(union, model, value, stream=stream)

    def _serve_probe(self, union: UnionSchema, model: type[BaseModel], value: Any, *, stream: bool) -> None:
        self._attempt = _Attempt(union, stream, probe=(union.models.index(model), value))
        name = tool_name(model)
        instance, errors = pydantic_reading(model, value, _original_schema(model))
        arguments = json.dumps(value, ensure_ascii=False)
        result = self._call(union, WireAnswer(calls=(WireCall(name, arguments),)), stream=stream)
        expected = [instance] if instance is not None else []
        fail = functools.partial(self._fail, union, result, expected=expected, stream=stream)
        served = f"{name}({arguments[:300]})"
        if instance is not None:
            if result.error is not None:
                fail("looser", "crash", f"pydantic accepts {served} but the adapter raised" + _raised(result.error))
            problem = difference([instance], result.got, served=[value])  # a number's value, not its spelling
            if problem:
                fail("looser", "loses_data", f"for {served}, which pydantic accepts: {problem}")
            return
        if result.error is None:
            fail(
                "looser",
                "loses_data",
                f"the sent schema admits {served}, which pydantic rejects ({', '.join(errors)}), "
                "and the adapter returned it instead of raising",
            )
        limits = limits_for(self.cell.provider, errors)
        if limits is None:
            # The adapter raised, as pydantic does: a retry at run time, not a loss.
            why = _looseness(result, name, value, errors)
            fail(
                "looser",
                "looser",
                f"the sent schema is looser than the model: it admits {served}, which pydantic rejects "
                f"({', '.join(errors)}), and the limits registry lists no such limit for {self.cell.provider}"
                + (f"; {why}" if why else ""),
            )
        self.limits.extend(limit for limit in limits or () if limit not in self.limits)

    def _fail(
        self,
        union: UnionSchema,
        result: _Call,
        check: str,
        kind: Failure,
        error: str,
        *,
        expected: Sequence[BaseModel],
        stream: bool,
    ) -> None:
        """Record the failure, unless the example found a worse one already, and stop this call."""
        if self.failure is not None and FAILURES.index(self.failure.kind) <= FAILURES.index(kind):
            raise _Failed(error)
        first = result.exchanges[0] if result.exchanges else None
        got = result.got if result.error is None and isinstance(result.got, (list, tuple)) else None
        self.failure = Counterexample(
            source=union.source(),
            schema=list(first.body.get("tools") or []) if first else [],
            wire=first.wire if first else None,
            expected=[dumped(item) for item in expected],  # dumped only for a failure, off the hot path
            got=[dumped(item) for item in got] if got is not None else None,
            error=error,
            stream=stream,
            check=check,
            kind=kind,
        )
        self._failing = self._attempt
        raise _Failed(error)

    # --- the cell -------------------------------------------------------------------------
    def run(self, examples: int, seed: int | None) -> CellResult:
        started = time.perf_counter()
        # Hypothesis runs a fixed number of examples; stopping at the round-trip count instead would make
        # the draws depend on state outside them, which Hypothesis rejects as flaky.
        test = given(st.data())(self.example)
        # Hypothesis's own ci profile (derandomized, no database, no deadline), with our example count.
        # No shrink phase: the runner reduces the failing call itself (see the module's docstring).
        test = settings(
            settings.get_profile("ci"),
            max_examples=max(1, math.ceil(examples / CALLS_PER_EXAMPLE)),
            derandomize=seed is None,
            database=None,
            deadline=None,
            phases=(Phase.explicit, Phase.generate),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            verbosity=Verbosity.quiet,
            print_blob=False,
        )(test)
        if seed is not None:
            test = hypothesis_seed(seed)(test)
        try:
            test()
        except HypothesisException:
            if self.failure is None:
                raise
        if self.failure is not None:
            self._reduce(min(_REDUCTION_CALLS, max(examples, CALLS_PER_EXAMPLE)))
        result = self._result()
        if result.counterexample is not None and result.counterexample.stream and self.streamed:
            self._plain(result, examples, seed)
        result.seconds = round(time.perf_counter() - started, 3)
        return result

    def _plain(self, result: CellResult, examples: int, seed: int | None) -> None:
        """A streaming slip would hide everything else: say how plain answers alone fare. The counterexample
        is replayed plain first; only if it passes so are a few plain examples run (not the whole cell)."""
        plain = CellRun(self.adapter, self.cell, streamed=False)
        assert self._failing is not None
        found = plain._fails_again(replace(self._failing, stream=False), None)
        outcome: Outcome
        if found is not None:
            outcome, error = "fail", found.error
        else:
            again = plain.run(min(examples, _PLAIN_CALLS), seed)
            outcome, error = again.outcome, again.counterexample.error if again.counterexample else None
        result.plain_outcome = outcome
        result.reason = f"streamed answers fail; plain answers alone: {outcome}" + (f" ({error})" if error else "")

    def _reduce(self, budget: int) -> None:
        """Make the counterexample smaller: drop models, calls and fields and simplify values while the
        adapter fails with the same kind (see `harness.strategies._reduce`), trying each reduction
        once (one that did not fail again is not tried after a later one did), within ``budget`` adapter
        calls. Its calls count for nothing in the cell's result: not as
        round trips, refusals, probes or limits met."""
        failing, best = self._failing, self.failure
        if failing is None or best is None:
            return
        counts = self.round_trips, self.refused, self.refusal, list(self.limits)
        tried: set[Any] = set()
        calls = 0
        progress = True
        while progress and calls < budget:
            progress = False
            for label, build in failing.smaller():
                if label in tried:
                    continue
                tried.add(label)
                candidate = build()
                if candidate is None:
                    continue
                calls += 1
                found = self._fails_again(candidate, best.kind)
                if found is not None:
                    failing, best, progress = candidate, found, True
                    break
                if calls >= budget:
                    break
        self.failure, self._failing = best, failing
        self.round_trips, self.refused, self.refusal, self.limits = counts

    def _fails_again(self, attempt: _Attempt, kind: Failure | None) -> Counterexample | None:
        """The counterexample when ``attempt`` fails again with ``kind`` (``None``: any), else ``None``."""
        self._checked = None
        self.failure = None
        try:
            if attempt.probe is not None:
                index, value = attempt.probe
                self._serve_probe(attempt.union, attempt.union.models[index], value, stream=attempt.stream)
            else:
                self._round_trip(attempt.union, list(attempt.calls), stream=attempt.stream)
        except _Failed:
            found = self.failure
            return found if found is not None and kind in (None, found.kind) else None
        except _Refused:
            return None
        return None

    def _result(self) -> CellResult:
        cell = self.cell
        result = CellResult(cell.provider, cell.feature, self.round_trips, "pass", refused=self.refused)
        result.probes, result.undrawable = self.probes, self.undrawable
        if self.failure is not None:
            result.outcome, result.counterexample = "fail", self.failure
            result.failure = self.failure.kind
        elif self.checked == 0 and self.refused:
            result.outcome, result.reason = "unsupported", self.refusal
        elif self.undrawable and not self.probes:
            # The round trips passed, but "not looser" never ran: a pass would claim what was not checked.
            result.outcome = "unsupported"
            result.reason = (
                f"not measured: harness.values could draw no value from the schema sent ({self.undrawable} "
                f"tries; {self.undrawn}), so the not-looser check never ran"
            )
        elif self.limits:
            result.outcome = "lossy"
            result.reason = "; ".join(limit.reason for limit in self.limits)
            result.sources = list(dict.fromkeys(source for limit in self.limits for source in limit.sources))
            result.source = " ; ".join(result.sources)
        elif self.refused:
            result.reason = f"{self.refused} of {self.refused + self.checked} unions refused: {self.refusal}"
        return result


def _looseness(result: _Call, name: str, value: Any, errors: Sequence[str]) -> str:
    """What in the schema sent for ``name`` let ``value`` through (see `._limits.looseness`)."""
    received = result.exchanges[0].received if result.exchanges else None
    tools = received.tools if received is not None else ()
    tool = next((t for t in tools if t.name == name and t.kind == "function"), None)
    return looseness(tool.schema or {}, value, errors, dialect=tool.dialect) if tool is not None else ""


def _raised(error: BaseException | None) -> str:
    if error is None:
        return ""
    cause = error.__cause__ or error.__context__
    text = f": {type(error).__qualname__}: {error}"
    if cause is not None and str(cause) not in str(error):
        text += f" (from {type(cause).__qualname__}: {cause})"
    return text[:2000]


@functools.cache
def _endpoint(prefix: str) -> Endpoint:
    """One endpoint (and SDK client) per provider and process: building an SDK client costs milliseconds."""
    return Endpoint(prefix)


@functools.lru_cache(maxsize=512)
def _original_schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(by_alias=True)


def unclaimed(cell: Cell, why: str) -> CellResult:
    return CellResult(provider=cell.provider, feature=cell.feature, examples=0, outcome="unsupported", reason=why)
