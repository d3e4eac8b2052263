"""JupyterLab from the project's environment, driven in headless Chromium: a student notebook, a solution notebook and
the newest chapter as a student fills it are opened and run; the page must show the friendly blank error, the rendered
graph pictures (fitting the cell), plots and the checks' Spanish feedback. Screenshots are kept in `artifacts/`."""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARTIFACTS = os.path.join(ROOT, "artifacts")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
STUDENT = "01_tensores_y_grafos.ipynb"
SOLUTION = "04_ver_el_grafo.ipynb"
CHAPTER = "13_redes_convolucionales.ipynb"  # the newest chapter, as a student who filled every answer
#: Every wait in the page. Seconds on an idle machine; on a loaded one (8 jobs on 2 cores) loading JupyterLab's
#: scripts, starting a kernel and importing NumPy and the engine each took more than a minute.
WAIT_MS = 300_000

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make installs it)"),
              pytest.mark.xdist_group("browser")]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _filled_student_notebook(name, target):
    """The course/ notebook (its real setup cell, which carries the engine) with every answer cell filled with the
    solution's code, as a student who completed the chapter would have it."""
    from autograder import authoring
    student, solution = (authoring.load(os.path.join(ROOT, folder, name)) for folder in ("course", "solutions"))
    answers = {authoring.grade_id(c): c.source for c in solution.cells if authoring.grade_id(c).startswith("ejercicio_")}
    for gid, source in answers.items():
        authoring.cell(student, gid).source = source
    authoring.write(student, target)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on localhost serving copies of a student notebook, a solution notebook and the new chapter."""
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(os.path.join(ROOT, "course", STUDENT), root / STUDENT)
    shutil.copy(os.path.join(ROOT, "solutions", SOLUTION), root / SOLUTION)
    _filled_student_notebook(CHAPTER, root / CHAPTER)
    port = _free_port()
    log = open(root / "lab.log", "w")
    settings = root / ".lab-settings"
    for plugin, values in {"notebook-extension/tracker": {"windowingMode": "none"},  # render every cell
                           "apputils-extension/notification": {"fetchNews": "false"}}.items():
        path = settings / "@jupyterlab" / (plugin + ".jupyterlab-settings")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(root / ".jupyter"), JUPYTER_RUNTIME_DIR=str(root / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(settings), MPLBACKEND="module://matplotlib_inline.backend_inline")
    proc = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}", "--allow-root",
         "--LabApp.expose_app_in_browser=True", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 300  # a few seconds idle; importing JupyterLab takes minutes on a loaded machine
    while proc.poll() is None and time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/api", timeout=5)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start:\n" + open(root / "lab.log").read()[-3000:])
    yield url, root
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()


@contextmanager
def _run_all(browser, url, name):
    """Opens a notebook in JupyterLab and runs all its cells: yields (page, console errors); the page is closed after
    (an open JupyterLab page keeps polling the server and slows the next test down)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.set_default_timeout(WAIT_MS)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        workspace = re.sub(r"\W", "", name)  # a workspace per notebook: JupyterLab must not restore the other one
        page.goto(f"{url}/lab/workspaces/{workspace}/tree/{name}?reset", wait_until="domcontentloaded")
        page.wait_for_selector(".jp-NotebookPanel .jp-Cell")
        page.wait_for_function("window.jupyterapp !== undefined")
        page.wait_for_function("""() => {
            const ctx = window.jupyterapp.shell.currentWidget?.sessionContext;
            return ctx && ctx.isReady && ctx.session?.kernel?.status === 'idle'; }""")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # The setup cell ran. Read from the cell's model, not from its prompt: the course notebooks' setup cell has
        # its source collapsed (jupyter.source_hidden), and JupyterLab takes a collapsed cell's input area, prompt
        # included, out of the page: waiting for a visible "[1]" prompt there could never succeed.
        page.wait_for_function("""() => {
            const cell = window.jupyterapp.shell.currentWidget?.content?.widgets[0];
            return cell && cell.model.executionCount === 1; }""")
        yield page, errors
    except Exception:
        _screenshot(page, re.sub(r"\W", "", name) + "-fallo.png")
        raise
    finally:
        page.close()


def _wait_idle(page, timeout_s=WAIT_MS / 1000):
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        pending = page.locator(".jp-InputArea-prompt", has_text=re.compile(r"\[\*\]")).count()
        if pending == 0:
            return
        time.sleep(0.5)
    raise AssertionError("cells still running after %s s" % timeout_s)


def _assert_pictures_fit(page):
    """Every graph picture fits the notebook's width at 1280 px (scalable SVG), whatever the size of the graph."""
    fits = page.evaluate("""() => [...document.querySelectorAll('.jp-RenderedSVG')].map(out => {
        const pic = out.querySelector('svg, img'); const box = pic.getBoundingClientRect();
        return [box.width, out.getBoundingClientRect().width]; })""")
    assert fits and all(0 < w <= area + 1 for w, area in fits), fits


def _screenshot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, name))


def test_jupyterlab_starts_without_extension_errors(lab):
    url, root = lab
    with urllib.request.urlopen(url + "/lab/api/extensions") as r:
        extensions = json.load(r)
    log = open(root / "lab.log").read()
    assert not re.search(r"\[E [^\]]*\].*(extension|Extension)", log), log[-3000:]
    assert all(not ext.get("status") == "error" for ext in extensions) if isinstance(extensions, list) else True


@pytest.mark.slow  # `make slow`; `make test` runs the new chapter's test as the sample
def test_solution_notebook_shows_graph_and_plot(lab, browser):
    url, _ = lab
    with _run_all(browser, url, SOLUTION) as (page, errors):
        page.wait_for_selector(".jp-RenderedSVG")  # a graph drawn by Graphviz
        page.wait_for_selector(".jp-RenderedImage img[src^='data:image/png']")  # a matplotlib plot
        _wait_idle(page)
        page.locator(".jp-RenderedSVG").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        _screenshot(page, "solucion.png")
        _assert_pictures_fit(page)
        svg = page.locator(".jp-RenderedSVG").first.inner_html()
        assert "Placeholder" in svg or "placeholder" in svg or "<svg" in svg or "data:image/svg" in svg
        assert page.locator(".jp-OutputArea-output:has-text('Traceback')").count() == 0
        assert not [e for e in errors if "extension" in e.lower()]


@pytest.mark.slow  # `make slow`; `make test` runs the new chapter's test as the sample
def test_student_notebook_explains_the_blanks(lab, browser):
    url, _ = lab
    with _run_all(browser, url, STUDENT) as (page, _):
        blank = page.locator(".jp-OutputArea-output:has-text('HuecoSinCompletar')").first
        blank.wait_for()
        _wait_idle(page)
        blank.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        _screenshot(page, "estudiante.png")
        text = blank.inner_text()
        assert "## Code ##" in text and "SyntaxError" not in text


def test_new_chapter_runs_with_its_setup_cell_pictures_and_checks(lab, browser):
    url, _ = lab
    with _run_all(browser, url, CHAPTER) as (page, errors):
        ready = page.locator(".jp-OutputArea-output:has-text('Cuaderno preparado')").first
        ready.wait_for()  # the setup cell's own line: the engine it carries is in use
        assert "engine" in ready.inner_text()
        page.wait_for_selector(".jp-OutputArea-output:has-text('Ejercicio 7: comprobación superada')")
        page.wait_for_selector(".jp-RenderedSVG")  # the CNN's graph
        _wait_idle(page)
        passed = page.locator(".jp-OutputArea-output:has-text('comprobación superada')")
        assert passed.count() == 7, [passed.nth(i).inner_text() for i in range(passed.count())]
        assert page.locator(".jp-OutputArea-output:has-text('Traceback')").count() == 0
        assert page.locator(".jp-OutputArea-output:has-text('AssertionError')").count() == 0
        assert page.locator(".jp-RenderedSVG").count() == 2  # prediction and training graphs
        assert page.locator(".jp-RenderedImage img[src^='data:image/png']").count() >= 4  # digits, maps, filters
        _assert_pictures_fit(page)
        assert "conv" in page.locator(".jp-RenderedSVG").first.inner_html()  # the name scopes are drawn
        page.locator(".jp-RenderedSVG").first.scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        _screenshot(page, "capitulo-13.png")
        assert not [e for e in errors if "extension" in e.lower()]
