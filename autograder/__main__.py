"""Instructor commands: ``python -m autograder build|check|grade|demo``."""
import argparse
import sys

from . import config


def _grade_options(args):
    from .grade import Options
    from .sandbox import Limits
    return Options(workers=args.workers, cell_timeout=args.timeout, total_timeout=args.total_timeout,
                   sandbox=not args.unsafe_no_sandbox, progress=not args.quiet,
                   limits=Limits(memory=args.memory_mb << 20))


def main(argv=None):
    import os
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="solutions/ -> course/ (student notebooks)")
    b.add_argument("--solutions", default="solutions")
    b.add_argument("--course", default="course")
    for name, helptext in (("check", "prove the kit is sound (solutions, blanks, tests, sync)"),
                           ("grade", "grade a folder or zip of submissions"),
                           ("demo", "build and grade the bundled sample class")):
        g = sub.add_parser(name, help=helptext)
        if name == "grade":
            g.add_argument("submissions", help="folder or .zip of .ipynb files")
            g.add_argument("--pattern", default=config.STUDENT_PATTERN,
                           help="regex with a (?P<student>...) group for file names "
                                "(default %(default)r); sub-folders name the student instead")
        if name != "demo":
            g.add_argument("--solutions", default="solutions")
        if name == "check":
            g.add_argument("--course", default="course")
        g.add_argument("--out", default={"grade": "calificaciones", "demo": "demo_calificaciones",
                                         "check": None}[name])
        g.add_argument("--workers", type=int, default=os.cpu_count() or 1)
        g.add_argument("--timeout", type=float, default=10 if name == "demo" else config.CELL_TIMEOUT,
                       help="seconds per cell (default %(default)s)")
        g.add_argument("--total-timeout", type=float, default=config.SUBMISSION_TIMEOUT)
        g.add_argument("--memory-mb", type=int, default=config.MEMORY_LIMIT >> 20)
        g.add_argument("--unsafe-no-sandbox", action="store_true",
                       help="run kernels without bubblewrap (trusted notebooks only)")
        g.add_argument("--quiet", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    try:
        return _run(args)
    except Exception as e:  # instructor-facing: one clear line, no traceback
        from .build import BuildError
        from .notebooks import NotebookError
        from .sandbox import SandboxError
        if isinstance(e, (BuildError, NotebookError, SandboxError, FileNotFoundError, ValueError)):
            print(f"error: {e}", file=sys.stderr)
            return 2
        raise


def _run(args):
    if args.command == "build":
        from .build import build
        for path in build(args.solutions, args.course):
            print(path)
        return 0
    if args.command == "check":
        from .check import check, report
        problems, lines = check(args.solutions, args.course, _grade_options(args))
        print(report(problems, lines))
        return 1 if problems else 0
    from .grade import grade_class, summary_table
    if args.command == "demo":
        from .sample import SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS
        args.solutions, args.submissions, args.pattern = SAMPLE_SOLUTIONS, SAMPLE_SUBMISSIONS, config.STUDENT_PATTERN
    results, stats = grade_class(args.submissions, args.solutions, args.out, args.pattern,
                                 _grade_options(args))
    print(summary_table(results, stats, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
