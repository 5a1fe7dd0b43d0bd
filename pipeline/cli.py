"""Command line: a thin layer over the library. Errors become messages and exit codes here only."""
from __future__ import annotations

import argparse
import atexit
import contextlib
import logging
import os
import sys
from pathlib import Path

from extractors import DEFAULT_TEMPLATE
from pipeline.errors import ExitCode, FichasError

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
        "Exit code 2 when any document could not be read (the others are still processed), 4 when another run "
        "holds OUT and --no-wait was given, 5 when the outputs cannot be written (disk full, read-only).",
    )
    run.add_argument("inputs", nargs="*", type=Path, metavar="INPUT",
                     help=f"files or folders (.pdf, .png, .jpg, .tif, .heic, .txt); default: {DEFAULT_INPUT}/")
    run.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT}/)")
    run.add_argument("--password", help="password for protected PDFs")
    run.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, metavar="FILE",
                     help="catalogue template (YAML); default: the IOM Ecuador catalogue")
    run.add_argument("-j", "--jobs", type=_positive, metavar="N",
                     help="pages read at once, one Tesseract each (default: the number of cores)")
    run.add_argument("--force", action="store_true",
                     help="read every document again, OCR included (default: only new or changed ones)")
    run.add_argument("--executor", choices=("local", "dask"), default="local",
                     help="where pages are OCR'd: this machine (default) or a Dask cluster")
    run.add_argument("--scheduler", metavar="ADDRESS", help="the Dask scheduler, e.g. tcp://10.0.0.5:8786")
    run.add_argument("--cache", type=Path, metavar="FILE", help="OCR cache (default: OUT/ocr-cache.sqlite)")
    run.add_argument("--max-pages", type=_positive, metavar="N",
                     help="refuse documents with more pages (default: 1000)")
    run.add_argument("--max-megapixels", type=_positive, metavar="N",
                     help="refuse images with more pixels, as decompression bombs (default: 150; "
                          "an A4 page at 1200 dpi has 140)")
    run.add_argument("--no-wait", dest="wait", action="store_false",
                     help="when another run is writing OUT, stop at once (exit code 4) instead of waiting for it")
    run.add_argument("-q", "--quiet", action="store_true", help="no progress or summary, only errors")

    cache = sub.add_parser(
        "cache",
        help="show or clear the OCR cache",
        description="The OCR cache keeps what Tesseract read on each page, so that re-runs, resumed runs "
        "and template changes skip the OCR.",
    )
    cache.add_argument("action", choices=("info", "clear"), help="info: size and contents; clear: empty it")
    cache.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT}/)")
    cache.add_argument("--cache", type=Path, metavar="FILE", help="OCR cache (default: OUT/ocr-cache.sqlite)")

    review = sub.add_parser(
        "review",
        help="serve the review and Banco de Saberes web pages, or move corrections in and out of spreadsheets",
        description="Serve a local web page where reviewers fix the fields under the review threshold. "
        "Their corrections are kept in OUT/revisiones.sqlite and re-applied by every `fichas run`. "
        "The same site searches every ficha of OUT/fichas.sqlite at /banco (the Banco de Saberes). "
        "With --export, --import or --export-corrections it writes or reads a file instead of serving.",
    )
    review.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR", help=f"output folder (default: {DEFAULT_OUT}/)")
    review.add_argument("--port", type=int, default=8765, help="port (default: 8765)")
    review.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: 127.0.0.1, this machine only; another one is warned about)")
    review.add_argument("--template", type=Path, default=DEFAULT_TEMPLATE, metavar="FILE",
                        help="catalogue template (YAML): its review_threshold picks the fields to review")
    review.add_argument("--export", type=Path, metavar="FILE.xlsx", help="write the queue as a spreadsheet with an empty «corrección» column")
    review.add_argument("--import", dest="import_", type=Path, metavar="FILE.xlsx", help="read the corrections typed into such a spreadsheet")
    review.add_argument("--reviewer", metavar="NAME", help="who made the corrections of --import")
    review.add_argument("--export-corrections", type=Path, metavar="FILE.csv", help="write every correction ever saved, with its history")

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
        if args.command == "cache":
            return _cache(args)
        if args.command == "review":
            return _review(args)
        return _repair(args)
    except FichasError as exc:
        if args.verbose:
            raise
        print(f"fichas: {type(exc).__name__}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("fichas: interrupted", file=sys.stderr)
        return ExitCode.ctrl_c


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _run(args: argparse.Namespace) -> int:
    from pipeline import batch, progress

    inputs = args.inputs or [DEFAULT_INPUT]
    missing = [p for p in inputs if not p.exists()]
    for path in missing:
        print(f"fichas: {path}: no such file or folder", file=sys.stderr)
    options = batch.BatchOptions(template_path=args.template, password=args.password, jobs=args.jobs,
                                 executor=args.executor, scheduler=args.scheduler, force=args.force,
                                 cache_path=args.cache, max_pages=args.max_pages, wait=args.wait,
                                 max_image_pixels=args.max_megapixels * 1_000_000 if args.max_megapixels else None)
    report = batch.run([p for p in inputs if p.exists()], args.out, options,
                       progress.for_stream(sys.stderr, quiet=args.quiet))
    if not args.quiet:
        print(_summary(report, args.out), file=sys.stderr)
    failed = report.count("failed") + report.count("stale")
    return ExitCode.input_file if failed or missing else ExitCode.ok


def _summary(report, out: Path) -> str:
    lines = [
        f"{len(report.entries)} documents: {report.count('ok')} ok, {report.count('sin_fichas')} sin fichas, "
        f"{report.count('failed')} failed, {report.count('stale')} stale "
        f"({report.processed} read now, {report.unchanged} unchanged)",
        f"{report.fichas} fichas; {report.review} fields below the review threshold; {report.reviewed} reviewed"
        + (f" ({report.review_again} to review again: read differently since)" if report.review_again else ""),
        f"pages: {report.pages_ocr} OCR'd, {report.pages_cached} from the cache"
        + (f" (OCR: {report.ocr_engine})" if report.ocr_engine else "") + f"; {report.seconds:.1f} s",
        f"→ {out}/fichas.json, fichas.csv, campos.csv, fichas.sqlite, manifest.json",
    ]
    if report.unapplied:
        lines.insert(2, f"{len(report.unapplied)} corrections belong to fichas not in the outputs (a changed or "
                        "removed document): kept in revisiones.sqlite, not applied")
    if report.dropped:
        lines.insert(1, f"{len(report.dropped)} documents of earlier runs are gone from disk: left out of the outputs")
    return "\n".join(lines)


def _cache(args: argparse.Namespace) -> int:
    from pipeline.batch import cache_path
    from pipeline.cache import OcrCache
    from pipeline.files import output_lock

    cache = OcrCache(args.cache or cache_path(args.out))
    if args.action == "clear":
        with output_lock(args.out) if args.out.is_dir() else contextlib.nullcontext():  # not under a run filling it
            print(f"{cache.path}: {cache.clear()} pages removed")
    else:
        info = cache.info()
        print(f"{info.path}: {info.pages} pages of {info.documents} documents, {info.bytes / 1e6:.1f} MB")
    cache.close()
    return ExitCode.ok


def _review(args: argparse.Namespace) -> int:
    from pipeline.review import sheet

    if args.export_corrections:
        count = sheet.export_corrections(args.out, args.export_corrections)
        print(f"{count} corrections → {args.export_corrections}", file=sys.stderr)
    if args.export:
        count = sheet.export_queue(args.out, args.export, args.template)
        print(f"{count} fields to review → {args.export}", file=sys.stderr)
    if args.import_:
        if not args.reviewer:
            raise FichasError("--import needs --reviewer NAME: every correction says who made it")
        report = sheet.import_queue(args.out, args.import_, args.reviewer, args.template)
        print(report.summary(), file=sys.stderr)
        return ExitCode.input_file if report.problems else ExitCode.ok
    if args.export or args.export_corrections:
        return ExitCode.ok
    from pipeline.review.app import serve

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"fichas: warning: serving on {args.host}: anyone who can reach this machine can see the documents "
              "and save corrections", file=sys.stderr)
    serve(args.out, args.host, args.port, args.template)
    return ExitCode.ok


def _repair(args: argparse.Namespace) -> int:
    from pipeline.run import repairer_for

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"fichas: {args.file}: cannot read: {exc}", file=sys.stderr)
        return ExitCode.input_file
    sys.stdout.write(repairer_for(DEFAULT_TEMPLATE).text(text))
    return ExitCode.ok


def console() -> None:
    """The `fichas` command."""
    finish(main())


def finish(code: int) -> None:
    """End the process with `code`: the exit handlers run (engines closed, scratch files
    removed), Python's teardown does not. Freeing the lexicon, the models and the pages object
    by object took 0.3–0.4 s after every run's outputs were written and closed; the system
    frees the memory at once. Threads still working (a last memory release) just stop."""
    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more can be said
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    console()
