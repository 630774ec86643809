"""The ``harness`` command.

```text
harness scan PATH...                          credentials in cassette files? exit 1 if any
harness cassettes import SRC... [--out DIR]   other tools' cassettes -> harness cassettes
harness emulate [-- COMMAND...]               a provider emulator on a local port
harness conformance [--providers ...]         the cross-provider conformance report
```

Each subcommand is one ``_add_<name>`` function that declares its arguments and sets ``handler``,
the function that runs it; later commands plug in the same way. Handlers import what they need
themselves: ``harness --help`` loads no provider SDK and no vcrpy.

Exit status: 0 done and clean, 1 the command found a problem (a secret, a cassette it could not
convert, a ``fail`` cell of harness's own adapter), 2 a usage error (bad arguments, a path that does not
exist), 3 a conformance run that broke (an error in the runner, not a finding). ``harness emulate``: 4
when it cannot listen on the address (the port is taken); with ``-- COMMAND``, the command's status, 126
when it cannot be run, 127 when it is not found, 128+N when signal N killed it (docs/emulator.md).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

EXIT_OK, EXIT_FOUND, EXIT_USAGE, EXIT_BROKEN = 0, 1, 2, 3
#: ``harness emulate``: the address cannot be listened on (the port is taken, the host is not this machine's).
EXIT_ADDRESS = 4
#: ``harness emulate -- COMMAND``: COMMAND cannot be run, or is not found (a shell's statuses).
EXIT_CANNOT_RUN, EXIT_NOT_FOUND = 126, 127

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    parser = _parser()
    try:
        arguments = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, or argparse's usage error: a status, not an exception, for callers
        return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
    handler: Handler | None = getattr(arguments, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    return handler(arguments)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose epilog can be computed when help is shown (``lazy_epilog``).

    ``harness conformance --help`` lists the providers and the features, which take modules to know
    that no other command should pay for.
    """

    def __init__(self, *args: Any, lazy_epilog: Callable[[], str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._lazy_epilog = lazy_epilog

    def format_help(self) -> str:
        if self._lazy_epilog is not None:
            self.epilog, self._lazy_epilog = self._lazy_epilog(), None
        return super().format_help()


def _parser() -> argparse.ArgumentParser:
    from harness import __version__

    parser = _Parser(
        prog="harness",
        description="Recorded provider cassettes, and a provider emulator to record against.",
        epilog="Exit status: 0 done and clean, 1 a finding (a secret, a cassette not converted, a fail cell of "
        "harness's own adapter), 2 a usage error, 3 a conformance run that broke; harness emulate --help "
        "gives its own.",
    )
    parser.add_argument("--version", action="version", version=f"harness {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)
    commands = cast("argparse._SubParsersAction[argparse.ArgumentParser]", subparsers)
    _add_scan(commands)
    _add_cassettes(commands)
    _add_emulate(commands)
    _add_conformance(commands)
    return parser


def _error(message: str) -> None:
    print(f"harness: error: {message}", file=sys.stderr)


def _secret_env_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--secret-env",
        metavar="NAME",
        action="append",
        default=[],
        help="an environment variable whose value is a secret too, besides the provider API keys (repeatable)",
    )


# --- scan ----------------------------------------------------------------------------------------


def _add_scan(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "scan",
        help="look for credentials in cassette files",
        description=(
            "Look for API keys and tokens (OpenAI, Anthropic, Google, bearer tokens, JWTs, and the values of the "
            "key variables set in this environment) in files. Directories are searched for .yaml, .yml and .json "
            "files; a file named explicitly is scanned whatever its suffix. Exit status 1 if anything is found."
        ),
    )
    parser.add_argument("paths", metavar="PATH", nargs="+", help="a cassette file or a directory of them")
    _secret_env_option(parser)
    parser.set_defaults(handler=_scan)


def _scan(arguments: argparse.Namespace) -> int:
    from harness.recording._redact import secret_values
    from harness.recording._scan import scan_paths

    try:
        results = scan_paths(arguments.paths, secrets=secret_values(arguments.secret_env))
    except FileNotFoundError as exc:
        _error(str(exc))
        return EXIT_USAGE
    found = 0
    for path, findings in results.items():
        for finding in findings:
            print(f"{path}:{finding.line}: {finding.kind}: {finding.excerpt}")
        found += len(findings)
    files = sum(1 for findings in results.values() if findings)
    if found:
        print(f"{found} possible secret(s) in {files} of {len(results)} file(s) scanned")
        return EXIT_FOUND
    print(f"no secrets found in {len(results)} file(s)")
    return EXIT_OK


# --- cassettes -----------------------------------------------------------------------------------


def _add_cassettes(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("cassettes", help="work on cassette files", description="Work on cassette files.")
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    parser.set_defaults(handler=lambda _: _missing_action(parser))

    importer = actions.add_parser(
        "import",
        help="convert vcrpy or pydantic-ai cassettes to harness cassettes",
        description=(
            "Convert cassettes written by vcrpy (YAML or JSON) or pydantic-ai to harness's format, redacted. "
            "Each SRC is written to DIR/<name>.yaml with --out, else beside it as <name>.harness.yaml. "
            "A converted cassette in which a secret is still found is not written."
        ),
    )
    importer.add_argument("sources", metavar="SRC", nargs="+", type=Path, help="a cassette file to convert")
    importer.add_argument("--out", metavar="DIR", type=Path, help="the directory to write the converted cassettes to")
    importer.add_argument("--force", action="store_true", help="overwrite converted cassettes that already exist")
    _secret_env_option(importer)
    importer.set_defaults(handler=_import)


def _missing_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _import(arguments: argparse.Namespace) -> int:
    from harness.recording._format import CassetteFormatError
    from harness.recording._import import import_cassette
    from harness.recording._persister import write_atomically
    from harness.recording._redact import secret_values
    from harness.recording._scan import scan_text

    missing = [source for source in arguments.sources if not source.is_file()]
    if missing:
        _error("no such file: " + ", ".join(str(source) for source in missing))
        return EXIT_USAGE
    secrets = secret_values(arguments.secret_env)
    status = EXIT_OK
    for source in arguments.sources:
        target = _target(source, arguments.out)
        if target.resolve() == source.resolve():
            _error(f"{source}: the converted cassette would replace it; choose another --out")
            status = EXIT_FOUND
            continue
        if target.exists() and not arguments.force:
            _error(f"{target} exists; --force to overwrite it")
            status = EXIT_FOUND
            continue
        try:
            text = import_cassette(source, secrets=secrets)
        except (CassetteFormatError, OSError) as error:  # reported, and on to the next file
            _error(str(error) if isinstance(error, CassetteFormatError) else f"{source}: cannot read it ({error})")
            status = EXIT_FOUND
            continue
        # Redaction knows the keys it is given; a key of another account would still be in the text.
        findings = scan_text(text, secrets=secrets)
        if findings:
            for finding in findings:
                _error(f"{source} (converted) line {finding.line}: {finding.kind}: {finding.excerpt}")
            _error(f"{source}: not written; pass --secret-env NAME for a variable holding it, or edit the source")
            status = EXIT_FOUND
            continue
        try:
            write_atomically(target, text)  # whole or not at all: an interrupted import leaves no half cassette
        except OSError as error:
            _error(f"{target}: not written ({error})")
            status = EXIT_FOUND
            continue
        print(f"wrote {target} (from {source})")
    return status


def _target(source: Path, out: Path | None) -> Path:
    if out is not None:
        return out / f"{source.stem}.yaml"
    return source.with_name(f"{source.stem}.harness.yaml")


def _add_emulate(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "emulate",
        help="serve the provider emulator on a loopback port",
        description="Answer OpenAI, Anthropic, Gemini and Vertex AI requests offline: parallel calls drawn from "
        "the declared schemas, scripted answers and faults, and the real APIs' rejections.",
        epilog=f"Exit status: {EXIT_USAGE} a usage error (a script that cannot be read), {EXIT_ADDRESS} the "
        "address cannot be listened on (the port is taken); with -- COMMAND, the command's own status, "
        f"{EXIT_CANNOT_RUN} when it cannot be run, {EXIT_NOT_FOUND} when it is not found, 128+N when it was "
        "killed by signal N. SIGTERM and SIGHUP are passed on to COMMAND, and harness waits for it.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on (default 8765; 0: a free one)")
    parser.add_argument("--seed", type=int, default=0, help="answers are deterministic per seed and request")
    parser.add_argument("--script", type=Path, help="YAML or JSON rules mapping prompts to calls, text or faults")
    parser.add_argument(
        "command",
        nargs=argparse.REMAINDER,
        help="after --, a command to run against the emulator (for example pytest --record-mode=rewrite); "
        "the emulator stops when it ends",
    )
    parser.set_defaults(handler=_emulate)


def _emulate(arguments: argparse.Namespace) -> int:
    from harness.emulator import EmulatorAddressError, ScriptError, load_script, run

    try:
        script = load_script(arguments.script) if arguments.script else None
    except (OSError, ScriptError) as exc:
        _error(str(exc))
        return EXIT_USAGE
    command = arguments.command[1:] if arguments.command[:1] == ["--"] else arguments.command
    try:
        if command:
            return _run_against_emulator(command, arguments.host, arguments.port, arguments.seed, script)
        run(host=arguments.host, port=arguments.port, seed=arguments.seed, script=script, ready=_banner)
    except EmulatorAddressError as error:
        _error(str(error))
        return EXIT_ADDRESS
    return EXIT_OK


def _banner(running: Any) -> None:
    exports = " ".join(f"{name}={value}" for name, value in running.environment().items())
    print(f"harness emulator on {running.url}; point the SDKs at it with:\nexport {exports}", flush=True)


def _run_against_emulator(command: list[str], host: str, port: int, seed: int, script: Any) -> int:
    """Run ``command`` with every SDK pointed at a fresh emulator; its exit status is ours."""
    import os

    from harness.emulator import serve

    unusable = _unusable(command[0])
    if unusable is not None:  # said before the emulator starts: one line, a shell's status
        _error(unusable[1])
        return unusable[0]
    with serve(host=host, port=port, seed=seed, script=script) as running:
        environment = {**os.environ, **running.environment()}
        from harness.providers import _compatible

        for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", *_compatible.KEY_VARIABLES):
            environment.setdefault(name, "harness-emulator-key")  # the emulator wants a key, any key
        if not environment.get("GOOGLE_CLOUD_PROJECT"):
            environment.pop("GOOGLE_CLOUD_PROJECT", None)  # Vertex AI then records in its API-key form
        print(f"harness emulator on {running.url}: running {' '.join(command)}", flush=True)
        return _run_child(command, environment)


def _unusable(program: str) -> tuple[int, str] | None:
    """Why ``program`` cannot be run, with a shell's exit status (127 not found, 126 not executable)."""
    import os
    import shutil

    if shutil.which(program) is not None:
        return None
    if os.sep in program and os.path.exists(program):
        return EXIT_CANNOT_RUN, f"{program}: not an executable file"
    return EXIT_NOT_FOUND, f"{program}: command not found"


def _run_child(command: list[str], environment: dict[str, str]) -> int:
    """Run ``command``, passing SIGTERM and SIGHUP on to it (and SIGINT no terminal sent it), until it ends.

    harness never leaves before its child: a signal that would end harness ends the child, which harness
    then waits for. Ctrl-C at a terminal reaches both already, so it is not sent twice.
    """
    import signal
    import subprocess

    child: subprocess.Popen[bytes] | None = None
    pending: list[int] = []

    def forward(signum: int, _frame: Any) -> None:
        if signum == signal.SIGINT and _terminal_interrupts_child():
            return
        if child is None:
            pending.append(signum)
        else:
            child.send_signal(signum)

    names = ("SIGTERM", "SIGHUP", "SIGINT")
    # A signal harness was told to ignore (nohup, a background job's SIGINT) stays ignored, by the child too.
    caught = [getattr(signal, name) for name in names if hasattr(signal, name)]
    caught = [signum for signum in caught if signal.getsignal(signum) is not signal.SIG_IGN]
    previous = {signum: signal.signal(signum, forward) for signum in caught}
    try:
        try:
            child = subprocess.Popen(command, env=environment)
        except OSError as error:  # found a moment ago; gone, or not runnable after all
            code = EXIT_NOT_FOUND if isinstance(error, FileNotFoundError) else EXIT_CANNOT_RUN
            _error(f"{command[0]}: {error.strerror or error}")
            return code
        for signum in pending:
            child.send_signal(signum)
        status = child.wait()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return 128 - status if status < 0 else status  # killed by signal N: 128+N, as shells say it


def _terminal_interrupts_child() -> bool:
    """Whether harness, and so its child in the same process group, is in its terminal's foreground."""
    import os

    for stream in (sys.stdin, sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                return os.tcgetpgrp(stream.fileno()) == os.getpgrp()
        except (OSError, ValueError, AttributeError):
            continue
    return False


# --- conformance ---------------------------------------------------------------------------------


def _add_conformance(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "conformance",
        help="does each pydantic model survive the trip to each provider and back? the cross-provider report",
        description=(
            "Run the round-trip property for every (provider, feature) cell against in-memory providers (no keys, "
            "no network) and write report.json, report.md and report.html. Exit status 1 if harness's own adapter "
            "fails a cell; a third-party --adapter's fails are findings (exit 0) unless --fail-on names their kind "
            "(or --fail-on-fail: any kind)."
        ),
        lazy_epilog=_conformance_epilog,
    )
    parser.add_argument(
        "--providers",
        type=_names,
        help="comma-separated: openai,openai+strict,azure,... or all (default: the eight of the five APIs)",
    )
    rows = parser.add_mutually_exclusive_group()
    rows.add_argument("--features", type=_names, help="comma-separated feature names (all)")
    rows.add_argument(
        "--models",
        metavar="MODULE[:ATTR]",
        help="rows of your own tool models: a module's BaseModel subclasses, or a list or Iterable[A | B] there",
    )
    rows.add_argument(
        "--schemas",
        nargs="+",
        type=Path,
        metavar="PATH",
        help="rows of JSON Schema files or function declarations (.json, .jsonl, or folders of them)",
    )
    parser.add_argument("--examples", type=int, default=100, help="round trips per cell (default: 100)")
    parser.add_argument("--adapter", help="module:name or path/to/file.py:name (default: harness itself)")
    parser.add_argument("--seed", type=int, help="a seed for other examples (default: derandomized, the same each run)")
    parser.add_argument("--jobs", type=int, default=0, help="processes to spread cells over (default: one per CPU)")
    parser.add_argument("--out", type=Path, default=Path("conformance-report"), help="(default: conformance-report/)")
    parser.add_argument(
        "--include",
        type=Path,
        action="append",
        default=[],
        metavar="REPORT_JSON",
        help="add another run's report.json (another adapter's, say) to this report, side by side (repeatable)",
    )
    parser.add_argument(
        "--fail-on",
        type=_names,
        metavar="KIND[,KIND...]",
        help="exit 1 on a fail of these kinds, whatever the adapter: loses_data, rejected, crash, looser",
    )
    parser.add_argument("--fail-on-fail", action="store_true", help="exit 1 on any fail (all four kinds)")
    parser.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="PREFIX=NAME",
        help="the LLM the adapter is asked for on PREFIX (repeatable; default: a real name per provider)",
    )
    parser.add_argument(
        "--environment",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help='a client environment\'s JSON ({"label", "status", "packages", "error"}) for the report (repeatable)',
    )
    parser.set_defaults(handler=_conformance)


def _conformance_epilog() -> str:
    from harness.conformance import PROVIDERS
    from harness.conformance._run import ALL_PROVIDERS
    from harness.strategies import FEATURES

    more = [label for label in ALL_PROVIDERS if label not in PROVIDERS]
    return (
        f"Providers (--providers, default): {', '.join(PROVIDERS)}. "
        f"Only when named, or with --providers all: {', '.join(more)}. "
        f"Features (--features, default all): {', '.join(FEATURES)}. "
        "Instead of features, rows of your own tool models: --models MODULE[:ATTR] (a module's BaseModels, or a "
        "list or Iterable[A | B] there) or --schemas PATH... (JSON Schema files or function declarations, .json "
        "or .jsonl, or folders of them)."
    )


def _models(values: Sequence[str]) -> dict[str, str]:
    """``["PREFIX=NAME", ...]`` -> ``{PREFIX: NAME}``; ValueError for a value without ``=``."""
    models = {}
    for value in values:
        prefix, sep, name = value.partition("=")
        if not sep:
            raise ValueError(f"--model takes PREFIX=NAME, not {value!r}")
        models[prefix.strip()] = name.strip()
    return models


def _rows(models: str | None, schemas: Sequence[Path] | None) -> list[Any]:
    """The rows of ``--models`` or ``--schemas`` (each schema converted once, here, before any cell)."""
    from harness.conformance import model_rows, schema_rows
    from harness.conformance._rows import unique

    if models is not None:
        import os

        # `--models myapp.tools` from the project's folder finds the module, as `python -m` would.
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())
        return unique(model_rows(models))
    return unique(schema_rows(schemas or []))


def _environments(paths: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """Each ``--environment`` file, checked, by its label; ValueError naming the file that is wrong."""
    import json

    from harness.conformance._results import environment

    found = {}
    for path in paths:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            found[data["label"] if isinstance(data, dict) else ""] = environment(data, label=True)
        except ValueError as error:  # JSONDecodeError is one
            raise ValueError(f"--environment {path}: {error}") from None
    return found


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def _conformance(arguments: argparse.Namespace) -> int:
    import json
    import os
    import shutil

    from harness.conformance import PROVIDERS, Report, run
    from harness.conformance._adapters import load_adapter
    from harness.conformance._report import render_failures, render_terminal, write_report
    from harness.conformance._results import FAILURES, merge_environments
    from harness.conformance._run import check_arguments, expand_providers
    from harness.strategies import FEATURES

    jobs = arguments.jobs or os.cpu_count() or 1
    providers, features = expand_providers(arguments.providers or PROVIDERS), arguments.features or FEATURES
    rows = None
    try:  # every usage error before any cell runs; an error after that is the run's own
        models = _models(arguments.model)
        check_arguments(providers=providers, features=features, examples=arguments.examples, jobs=jobs, models=models)
        if arguments.models or arguments.schemas:
            rows = _rows(arguments.models, arguments.schemas)
        environments = _environments(arguments.environment)
        for kind in arguments.fail_on or ():
            if kind not in FAILURES:
                raise ValueError(f"--fail-on: unknown kind {kind!r}; expected some of {', '.join(FAILURES)}")
        included = [Report.from_json(json.loads(path.read_text(encoding="utf-8"))) for path in arguments.include]
        if arguments.adapter:
            try:
                load_adapter(arguments.adapter)
            except ImportError as error:  # the module's own words; the flag and its value in front
                flag = f"--adapter {arguments.adapter}"
                raise ImportError(str(error) if str(error).startswith(flag) else f"{flag}: {error}") from None
    except (OSError, ValueError, TypeError, KeyError, ImportError, AttributeError) as error:
        _error(str(error))
        return EXIT_USAGE
    progress = _progress_bar(len(providers) * len(features if rows is None else rows), jobs)
    try:
        report = run(
            adapter=arguments.adapter,
            providers=arguments.providers,
            features=arguments.features,
            rows=rows,
            examples=arguments.examples,
            seed=arguments.seed,
            jobs=jobs,
            models=models,
            on_result=progress.update if progress else None,
        )
    except Exception:
        import traceback

        traceback.print_exc()
        _error("the conformance run broke (above); this is harness's error, not a finding about the adapter")
        return EXIT_BROKEN
    finally:
        if progress:
            progress.close()
    # harness's own run fails on any kind; a third-party adapter's only on the kinds asked for.
    kinds = FAILURES if arguments.fail_on_fail or not arguments.adapter else tuple(arguments.fail_on or ())
    own_fails = len(report.failing(kinds))
    for other in included:
        report.results.extend(other.results)
    # Included reports' environments, then the files given, then this run's own: later wins per label.
    report.environments = merge_environments(
        *(other.environments for other in included), environments, report.environments
    )
    paths = write_report(report, arguments.out)
    if report.failed:
        print(render_failures(report))  # the smallest counterexamples, pasteable, before the matrix
    print(render_terminal(report, color=sys.stdout.isatty(), width=shutil.get_terminal_size().columns))
    print(f"HTML report: {paths['html']}  (also {paths['md'].name} and {paths['json'].name} there)")
    if own_fails:
        return EXIT_FOUND
    return EXIT_OK


class _Progress:
    """A progress bar on a terminal (tqdm on stderr), one step per finished cell."""

    def __init__(self, bar: Any) -> None:
        self._bar = bar

    def update(self, result: Any) -> None:
        self._bar.set_postfix_str(f"{result.provider} {result.feature}: {result.outcome}", refresh=False)
        self._bar.update(1)

    def close(self) -> None:
        self._bar.close()


class _ProgressLines:
    """Progress where stderr is no terminal (a CI log): a line at each tenth of the cells, and at least every
    `PROGRESS_SECONDS` while cells finish, saying cells done, time elapsed and failures so far."""

    def __init__(self, cells: int, stream: TextIO) -> None:
        import time

        self._clock = time.perf_counter
        self._cells, self._stream = cells, stream
        self._done = self._failed = 0
        self._started = self._last = self._clock()

    def update(self, result: Any) -> None:
        self._done += 1
        self._failed += result.outcome == "fail"
        now = self._clock()
        tenth = self._done * 10 // self._cells > (self._done - 1) * 10 // self._cells
        if tenth or now - self._last >= PROGRESS_SECONDS:
            self._last = now
            self._print(now)

    def _print(self, now: float) -> None:
        from harness.conformance._report import format_duration

        percent = self._done * 100 // self._cells
        line = f"conformance: {self._done}/{self._cells} cells ({percent}%), {format_duration(now - self._started)}"
        print(f"{line}, {self._failed} fail", file=self._stream, flush=True)

    def close(self) -> None:
        pass


#: Where stderr is no terminal, the longest a run stays silent while cells finish.
PROGRESS_SECONDS = 30.0


def _progress_bar(cells: int, jobs: int) -> _Progress | _ProgressLines | None:
    if not cells:
        return None
    if not sys.stderr.isatty():
        used = min(jobs, cells)
        processes = f"{used} processes" if used > 1 else "1 process"
        print(f"conformance: {cells} cells on {processes}", file=sys.stderr, flush=True)
        return _ProgressLines(cells, sys.stderr)
    from tqdm import tqdm

    return _Progress(tqdm(total=cells, desc="conformance", unit="cell", file=sys.stderr, leave=False))
