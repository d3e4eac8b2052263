"""Instructor commands: ``python -m autograder build|check|grade|demo``."""
import argparse
import sys

from . import config


def _grade_options(args):
    from .grade import Options
    from .sandbox import Limits
    return Options(workers=args.workers, cell_timeout=args.timeout, total_timeout=args.total_timeout,
                   sandbox=not args.unsafe_no_sandbox, progress=not args.quiet,
                   limits=Limits(memory=args.memory_mb << 20), notebooks=args.notebook,
                   regrade=getattr(args, "regrade", False), roster=getattr(args, "roster", None),
                   term=getattr(args, "term", None), cluster=getattr(args, "cluster", None))


def main(argv=None):
    import os
    p = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="solutions/ -> course/ (student notebooks)")
    b.add_argument("--solutions", default="solutions")
    b.add_argument("--course", default="course")
    b.add_argument("--notebook", action="append",
                   help="build only this notebook (name, stem or number; repeatable)")
    for name, helptext in (("check", "prove the kit is sound (solutions, blanks, tests, sync)"),
                           ("grade", "grade a folder or zip of submissions"),
                           ("demo", "build and grade the bundled sample class")):
        g = sub.add_parser(name, help=helptext)
        if name == "grade":
            g.add_argument("submissions", nargs="+",
                           help="folder(s) or .zip(s) of .ipynb files (LMS downloads)")
            g.add_argument("--pattern", default=config.STUDENT_PATTERN,
                           help="regex with a (?P<student>...) group for file names "
                                "(default %(default)r); Moodle, Canvas, Blackboard and Google "
                                "Classroom downloads and sub-folders per student are recognised first")
            g.add_argument("--cluster", metavar="ADDRESS",
                           help="grade on the workers of a Dask cluster (e.g. tcp://host:8786); see README")
            g.add_argument("--regrade", action="store_true",
                           help="grade again even the submissions whose kept result is still valid")
            g.add_argument("--roster", help="CSV of the class (id, name): lists who submitted nothing")
            g.add_argument("--term", help="course settings: deadlines, late penalty, Canvas columns "
                                          "(default SOLUTIONS/curso.toml)")
        if name != "demo":
            g.add_argument("--solutions", default="solutions")
        if name == "check":
            g.add_argument("--course", default="course")
        g.add_argument("--out", default={"grade": "calificaciones", "demo": "demo_calificaciones",
                                         "check": None}[name])
        g.add_argument("--workers", type=int, default=config.WORKERS)
        g.add_argument("--timeout", type=float, default=10 if name == "demo" else config.CELL_TIMEOUT,
                       help="seconds per cell (default %(default)s)")
        g.add_argument("--total-timeout", type=float, default=config.SUBMISSION_TIMEOUT)
        g.add_argument("--memory-mb", type=int, default=config.MEMORY_LIMIT >> 20)
        g.add_argument("--unsafe-no-sandbox", action="store_true",
                       help="run kernels without bubblewrap (trusted notebooks only)")
        g.add_argument("--quiet", action="store_true", help="no progress bar")
        if name != "demo":
            g.add_argument("--notebook", action="append",
                           help="only this notebook (name, stem or number; repeatable)")
    args = p.parse_args(argv)
    if args.command == "demo":
        args.notebook = None
    try:
        return _run(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # instructor-facing: one clear line, no traceback
        from .build import BuildError
        from .notebooks import NotebookError
        from .sandbox import SandboxError
        from .cluster import ClusterError
        if isinstance(e, (BuildError, NotebookError, SandboxError, ClusterError, FileNotFoundError, ValueError)):
            print(f"error: {e}", file=sys.stderr)
            return 2
        raise


def _run(args):
    if args.command == "build":
        from .build import build
        from .build import update
        import tempfile
        from pathlib import Path
        with tempfile.TemporaryDirectory() as tmp:
            names = None
            if args.notebook:
                from .build import select_notebooks
                names = select_notebooks(sorted(p.name for p in Path(args.solutions).glob("*.ipynb")),
                                         args.notebook)
            paths, rebuilt = update(args.solutions, args.course, Path(tmp, "gb.db"), names, own_db=False)
        for path in paths:
            print(f"{path}{'' if path.name in rebuilt else '  (unchanged)'}")
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
    from .grade import Interrupted
    try:
        results, stats = grade_class(args.submissions, args.solutions, args.out, args.pattern,
                                     _grade_options(args))
    except Interrupted as e:
        print(summary_table(e.results, e.stats, args.out))
        return 130
    print(summary_table(results, stats, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
