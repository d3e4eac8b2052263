"""docs/compatibility.md's corpus table is the corpus: one row per program, with the result its test expects."""
import os

from tests.corpus import runner

DOC = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "compatibility.md")


def test_the_table_lists_every_program_with_its_expected_result():
    programs = runner.all_programs()
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    start, end = text.index(runner.TABLE_START), text.index(runner.TABLE_END) + len(runner.TABLE_END)
    assert text[start:end] == runner.render_table(programs), (
        "docs/compatibility.md is out of date: paste the output of "
        "`python -c 'from tests.corpus import runner; print(runner.render_table(runner.all_programs()))'`")
    assert len(programs) >= 40


def test_each_program_is_tested_and_marked_xfail_exactly_when_the_table_says_it_does_not_work():
    import importlib
    programs = runner.all_programs()
    assert len({p.name for _, p in programs}) == len(programs), "two corpus programs share a name"
    tested = {}
    for module_name in runner.MODULES:
        (mark,) = [m for m in importlib.import_module(f"tests.corpus.{module_name}").test_program.pytestmark
                   if m.name == "parametrize"]
        tested.update({param.id: param for param in mark.args[1]})
    assert sorted(tested) == sorted(p.name for _, p in programs)
    for _, program in programs:
        xfail = [m for m in tested[program.name].marks if m.name == "xfail"]
        assert bool(xfail) == (program.missing is not None), program.name
        assert program.source.startswith("http"), program.name
