"""A small bundled sample course and class, for ``python -m autograder demo``.

Regenerate both with ``python -m autograder.sample.make`` (they are committed files).
"""
from pathlib import Path

HERE = Path(__file__).parent
SAMPLE_SOLUTIONS = HERE / "solutions"
SAMPLE_SUBMISSIONS = HERE / "entregas"
