"""Command line: a thin layer over the library. Errors become messages and exit codes here only."""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from extractors.template import DEFAULT_TEMPLATE
from pipeline.errors import ExitCode, FichasError
from pipeline.records import DocumentResult

DEFAULT_INPUT = Path("raw")
DEFAULT_OUT = Path("out")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fichas",
        description="Turn scanned catalogues of lecciones aprendidas y buenas prácticas into CSV/JSON records.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="show tracebacks and debug logging")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="extract the fichas of PDFs, page images and OCR text dumps",
        description="Extract every ficha of the inputs into OUT/fichas.json, OUT/fichas.csv and OUT/campos.csv. "
        "Exit code 2 when any document could not be read (the others are still processed).",
    )
    run.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                     help=f"files or folders (.pdf, .png, .jpg, .tif, .txt); default: {DEFAULT_INPUT}/")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT}/)")
    run.add_argument("--password", help="password for protected PDFs")
    run.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, metavar="FILE",
                     help="catalogue template (YAML); default: the IOM Ecuador catalogue")
    run.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")

    repair = sub.add_parser(
        "repair",
        help="print the repaired text of a legacy OCR text dump",
        description="Repair OCR errors (codes, lost accents and ñ, digits) in FILE and print the text to stdout.",
    )
    repair.add_argument("file", type=Path, metavar="FILE.txt", help="legacy OCR text (UTF-8)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(message)s")
    try:
        if args.command == "run":
            return _run(args)
        return _repair(args)
    except FichasError as exc:
        if args.verbose:
            raise
        print(f"fichas: {type(exc).__name__}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fichas: interrupted", file=sys.stderr)
        return ExitCode.ctrl_c


def _run(args: argparse.Namespace) -> int:
    from pipeline.run import run

    inputs = args.inputs or [DEFAULT_INPUT]
    missing = [p for p in inputs if not p.exists()]
    for path in missing:
        print(f"fichas: {path}: no such file or folder", file=sys.stderr)
    inputs = [p for p in inputs if p.exists()]

    def progress(number: int, total: int, result: DocumentResult) -> None:
        if result.status == "failed":
            print(f"fichas: {result.path}: {result.error}", file=sys.stderr)
        elif not args.quiet:
            print(f"[{number}/{total}] {result.path}: {len(result.fichas)} fichas, {result.pages} pages ({result.status})",
                  file=sys.stderr)

    results = run(inputs, args.out, template_path=args.template, password=args.password, progress=progress)
    failed = sum(r.status == "failed" for r in results)
    if not args.quiet:
        fichas = sum(len(r.fichas) for r in results)
        print(f"{len(results)} documents ({failed} failed), {fichas} fichas → {args.out}/fichas.json, fichas.csv, campos.csv",
              file=sys.stderr)
    return ExitCode.input_file if failed or missing else ExitCode.ok


def _repair(args: argparse.Namespace) -> int:
    from pipeline.run import repairer_for

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"fichas: {args.file}: cannot read: {exc}", file=sys.stderr)
        return ExitCode.input_file
    sys.stdout.write(repairer_for(DEFAULT_TEMPLATE).text(text))
    return ExitCode.ok


if __name__ == "__main__":
    sys.exit(main())
