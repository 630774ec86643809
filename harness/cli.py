"""The ``harness`` command.

::

    harness scan PATH...                          credentials in cassette files? exit 1 if any
    harness cassettes import SRC... [--out DIR]   other tools' cassettes -> harness cassettes

Each subcommand is one ``_add_<name>`` function that declares its arguments and sets ``handler``,
the function that runs it; later commands plug in the same way. Handlers import what they need
themselves: ``harness --help`` loads no provider SDK and no vcrpy.

Exit status: 0 done and clean, 1 the command found a problem (a secret, a cassette it could not
convert), 2 a usage error (bad arguments, a path that does not exist).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK, EXIT_FOUND, EXIT_USAGE = 0, 1, 2

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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="harness", description="Tools for harness's recorded provider cassettes.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    _add_scan(commands)
    _add_cassettes(commands)
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
        except CassetteFormatError as error:
            _error(str(error))
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
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(f"wrote {target} (from {source})")
    return status


def _target(source: Path, out: Path | None) -> Path:
    if out is not None:
        return out / f"{source.stem}.yaml"
    return source.with_name(f"{source.stem}.harness.yaml")
