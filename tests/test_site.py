"""The course as a static website (`./course site`, website/build.py): built once into a temporary folder, then read.

The pages must show every section in course-map order with its figures, the
download and Colab links, the exercises as learners get them, and never a line
that only the instructor's notebooks (solutions/) hold. A second build after a
change to one section executes only that section. Chromium (Debian's, through
Playwright, as in test_browser.py) opens every page from a loopback server:
images load, navigation follows the course map, search works offline, and the
pages fit a 390 px wide phone. It saves README's two screenshots of the site.
"""

import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request

import course
import nbformat
import pytest
from bs4 import BeautifulSoup

BUILD = course.ROOT / "website" / "build.py"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = course.ROOT / "docs" / "screenshots"
SEARCHED = "CrossEntropyLoss"
SEARCHED_IN = "04_nn"  # a section that teaches nn.CrossEntropyLoss
PHONE = 390  # px: a phone's width


def load_builder():
    spec = importlib.util.spec_from_file_location("course_site_build", BUILD)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


builder = load_builder()


def run_build(out, cache, *extra):
    """README's `./course site`; returns its JSON report (what it built and executed)."""
    report = out.parent / f"{out.name}-report.json"
    result = subprocess.run([str(course.ROOT / "course"), "site", "--out", str(out), "--cache", str(cache),
                             "--report", str(report), *map(str, extra)],
                            cwd=course.ROOT, capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, f"the site did not build:\n{result.stdout}\n{result.stderr}"
    return json.loads(report.read_text())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """(the built site's folder, its cache folder, the build's report), built once from scratch."""
    folder = tmp_path_factory.mktemp("site")
    out, cache = folder / "site", folder / "cache"
    report = run_build(out, cache)
    return out, cache, report


def page(out, name):
    return BeautifulSoup((out / f"{name}.html").read_text(), "html.parser")


def course_map_order():
    """The sections as README's course map lists them."""
    readme = (course.ROOT / "README.md").read_text()
    table = builder.readme_section(readme, "## Course map")
    return re.findall(r"\]\(notebooks/(\d\d_[a-z0-9_]+)/\1\.ipynb\)", table)


# ---------------------------------------------------------------- no solution and no hidden test on any page


def normalized(line):
    return " ".join(line.split())


def solution_only_lines():
    """Lines of the instructor's notebooks that no learner notebook holds (reference solutions, hidden tests),
    however short (`return x`), leaving out punctuation-only lines; {line: section}."""
    learner = {normalized(line) for name in course.ASSIGNMENTS for cell in course.read(course.release_path(name)).cells
               for line in cell.source.splitlines()}
    found = {}
    for name in course.ASSIGNMENTS:
        for cell in course.read(course.source_path(name)).cells:
            for line in map(normalized, cell.source.splitlines()):
                if re.search(r"[A-Za-z0-9]", line) and line not in learner:
                    found.setdefault(line, name)
    return found


def page_lines(out):
    """{file: the set of its lines, normalized} for every page of the site and every notebook it offers."""
    lines = {}
    for path in sorted(out.rglob("*")):
        if path.suffix == ".html":
            text = BeautifulSoup(path.read_text(), "html.parser").get_text()
        elif path.suffix == ".ipynb":
            nb = nbformat.read(path, as_version=4)
            text = "\n".join([cell.source for cell in nb.cells]
                             + [str(output.get("text", "")) + str(output.get("data", {}).get("text/plain", ""))
                                for cell in nb.cells for output in cell.get("outputs", [])])
        else:
            continue
        lines[path.relative_to(out)] = {normalized(line) for line in text.splitlines()}
    return lines


def leaks(pages, lines):
    """Each line of `lines` ({line: section}) that a page shows as a line of its own."""
    return [f"{file}: {line!r} (from solutions/{section})" for file, shown in pages.items()
            for line, section in lines.items() if line in shown]


def test_no_page_holds_a_line_found_only_in_solutions(site):
    out, _, _ = site
    lines = solution_only_lines()
    assert len(lines) > 20 * len(course.ASSIGNMENTS), "the solutions should hold many lines the learners lack"
    pages = page_lines(out)
    assert all(f"{name}.html" in map(str, pages) for name in course.ASSIGNMENTS)
    found = leaks(pages, lines)
    assert not found, "lines of the instructor's notebooks on the site:\n" + "\n".join(found[:30])


def test_the_leak_check_finds_a_reference_solution_rendered_on_a_page(site, tmp_path):
    """The check above would see a solution cell if a page showed one, highlighted as the pages show code."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    out, _, _ = site
    exercise = course.exercises(course.read(course.source_path(SEARCHED_IN)))["01"]
    shown = highlight(exercise.solution + exercise.hidden, PythonLexer(), HtmlFormatter())
    html = (out / f"{SEARCHED_IN}.html").read_text().replace("</article>", shown + "</article>", 1)
    (tmp_path / f"{SEARCHED_IN}.html").write_text(html)
    found = leaks(page_lines(tmp_path), solution_only_lines())
    assert any("BEGIN HIDDEN TESTS" in leak for leak in found), found
    assert len(found) >= 3, found


# ---------------------------------------------------------------- the pages


def test_every_section_has_a_page_in_course_map_order(site):
    out, _, report = site
    order = course_map_order()
    assert order == course.ASSIGNMENTS, "README's course map and the sections disagree"
    assert report["sections"] == order
    index = page(out, "index")
    toc = [a["href"].removesuffix(".html") for a in index.select(".sidebar-tree a.reference.internal")]
    assert toc == order, toc
    # The front page shows README's course map (each section linked to its page), schedule and two commands.
    linked = [a["href"].removesuffix(".html") for a in index.select("article table a")
              if not a["href"].startswith("http")]
    assert linked == order, linked
    text = index.get_text()
    headings = [h.get_text().strip("¶ \n") for h in index.select("article h2, article h3")]
    assert headings == ["Course map", "A suggested schedule", "Two commands"], headings  # not README's set-up
    assert "./course lab" in text and "./course test" in text
    for name in order:
        title = page(out, name).find("h1").get_text()
        assert title.startswith(f"{int(name[:2])}. "), (name, title)


def image_outputs(nb):
    return sum(1 for cell in nb.cells if cell.cell_type == "code"
               for output in cell.outputs if any(mime.startswith("image/") for mime in output.get("data", {})))


def test_every_section_page_holds_its_figures(site):
    out, cache, _ = site
    for name in course.ASSIGNMENTS:
        images = page(out, name).select("article img")
        missing = [img["src"] for img in images if not (out / img["src"]).is_file()]
        assert not missing, (name, missing)
        executed = nbformat.read(cache / "source" / f"{name}.ipynb", as_version=4)
        assert len(images) == image_outputs(executed), name
        plots = [cell for cell in course.read(course.release_path(name)).cells
                 if cell.cell_type == "code" and not builder.is_exercise_cell(cell) and "plt." in cell.source]
        if plots:
            assert images, f"{name}'s teaching cells plot, but its page shows no figure"


def test_exercises_are_shown_as_learners_get_them(site):
    out, _, _ = site
    for name in course.ASSIGNMENTS:
        soup = page(out, name)
        text = soup.get_text()
        assert "Traceback" not in text, f"{name}: an error's traceback on the page"
        cells = soup.select("div.cell")
        numbers = sorted(course.exercises(course.read(course.release_path(name))))
        for number in numbers:
            k = int(number)
            visible = [c for c in cells if f'"""Exercise {k}, visible tests' in c.get_text()]
            hidden = [c for c in cells if f"# Exercise {k}, hidden tests" in c.get_text()]
            assert len(visible) == 1 and len(hidden) == 1, (name, number)
            for cell in visible + hidden:
                assert not cell.select(".cell_output"), f"{name}: exercise {k}'s test cell shows an output"
        stubs = [c for c in cells if "YOUR CODE HERE" in c.get_text()]
        assert len(stubs) >= len(numbers) and not any(c.select(".cell_output") for c in stubs), name
        progress = [c for c in cells if "check.progress(" in c.get_text()]
        assert all(not c.select(".cell_output") for c in progress), f"{name}: the progress table is shown"
        # Teaching cells keep their outputs.
        assert len(soup.select(".cell_output")) >= 10, name


def test_cleaning_an_executed_notebook():
    """What build.py keeps of a run: teaching outputs, no exercise or progress output, widgets as text."""
    v4 = nbformat.v4
    stream = v4.new_output("stream", name="stdout", text="shown\n")
    error = v4.new_output("error", ename="NotImplementedError", evalue="Exercise not answered yet", traceback=[])
    teaching = v4.new_code_cell("print('shown')", outputs=[stream])
    stub = v4.new_code_cell("def f():\n    raise NotImplementedError", outputs=[error],
                            metadata={"nbgrader": {"solution": True, "grade": False}})
    visible = v4.new_code_cell('"""Exercise 1, visible tests: f."""', outputs=[error],
                               metadata={"nbgrader": {"solution": False, "grade": True}})
    progress = v4.new_code_cell("check.progress(1)", outputs=[stream])
    bar = v4.new_code_cell("for _ in tqdm(range(3)): pass", outputs=[v4.new_output(
        "display_data", data={builder.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "  0%|  | 0/3"})])
    nb = v4.new_notebook(cells=[teaching, stub, visible, progress, bar])
    models = {"box": ("HBoxModel", {"children": ["IPY_MODEL_l", "IPY_MODEL_p", "IPY_MODEL_r"]}),
              "l": ("HTMLModel", {"value": "training: 100%"}), "p": ("FloatProgressModel", {"value": 3, "max": 3}),
              "r": ("HTMLModel", {"value": " 3/3 [00:01&lt;00:00]"})}
    nb.metadata["widgets"] = {builder.WIDGET_STATE: {"state": {
        key: {"state": {"_model_name": model, **state}} for key, (model, state) in models.items()}}}
    cleaned = builder.clean(nb, "00_test")
    assert [len(cell.outputs) for cell in cleaned.cells] == [1, 0, 0, 0, 1]
    assert cleaned.cells[4].outputs[0].data == {"text/plain": "training: 100%|██████████| 3/3 [00:01<00:00]"}
    assert "widgets" not in cleaned.metadata
    # A teaching cell that raised stops the build, unless it is tagged to raise.
    broken = v4.new_notebook(cells=[v4.new_code_cell("1 / 0", outputs=[error], id="n-001")])
    with pytest.raises(builder.BuildError, match="00_test, cell n-001: NotImplementedError"):
        builder.clean(broken, "00_test")
    broken.cells[0].metadata["tags"] = ["raises-exception"]
    assert len(builder.clean(broken, "00_test").cells[0].outputs) == 1


def test_every_section_links_its_notebook_and_colab(site):
    out, _, _ = site
    repository = builder.repository_url()
    owner_repo = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", repository).group(1)
    for name in course.ASSIGNMENTS:
        soup = page(out, name)
        download = soup.select_one("a[download]")
        assert download and download["href"] == f"notebooks/{name}/{name}.ipynb", name
        assert (out / download["href"]).read_bytes() == course.release_path(name).read_bytes()
        colab = soup.find("a", string="Open in Colab")
        assert colab["href"] == (f"https://colab.research.google.com/github/{owner_repo}/blob/main/"
                                 f"notebooks/{name}/{name}.ipynb")


def test_a_rebuild_after_changing_one_section_executes_only_that_section(site, tmp_path):
    out, cache, report = site
    assert report["executed"] == course.ASSIGNMENTS  # the first build, from an empty cache
    notebooks, again = tmp_path / "notebooks", tmp_path / "cache"
    shutil.copytree(cache, again)
    for name in course.ASSIGNMENTS:  # the notebooks as the first build saw them
        (notebooks / name).mkdir(parents=True)
        shutil.copyfile(cache / "work" / name / f"{name}.ipynb", notebooks / name / f"{name}.ipynb")
    changed = notebooks / SEARCHED_IN / f"{SEARCHED_IN}.ipynb"
    nb = nbformat.read(changed, as_version=4)
    recap = [cell for cell in nb.cells if cell.cell_type == "markdown"][-1]
    recap.source += "\n\nA sentence added to see the page change."
    nbformat.write(nb, changed)
    rebuilt = run_build(tmp_path / "site", again, "--notebooks", notebooks)
    assert rebuilt["executed"] == [SEARCHED_IN]
    assert "A sentence added to see the page change." in (tmp_path / "site" / f"{SEARCHED_IN}.html").read_text()
    # Unchanged: nothing executed.
    assert run_build(tmp_path / "site", again, "--notebooks", notebooks)["executed"] == []


def test_the_cache_key_covers_the_notebook_the_files_beside_it_and_torchcourse(tmp_path, monkeypatch):
    root = tmp_path / "course"
    shutil.copytree(course.ROOT / "torchcourse", root / "torchcourse",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(course.ROOT / "requirements.txt", root / "requirements.txt")
    monkeypatch.setattr(builder, "ROOT", root)
    folder = root / "notebooks" / "00_intro"
    folder.mkdir(parents=True)
    notebook = folder / "00_intro.ipynb"
    notebook.write_bytes(course.release_path("00_intro").read_bytes())
    keys = [builder.cache_key(notebook)]
    assert builder.cache_key(notebook) == keys[0]
    (folder / ".ipynb_checkpoints").mkdir()  # Jupyter's own files do not count
    (folder / ".ipynb_checkpoints" / "00_intro-checkpoint.ipynb").write_text("{}")
    assert builder.cache_key(notebook) == keys[0]
    changes = [notebook, folder / "data.csv", root / "torchcourse" / "check.py", root / "requirements.txt"]
    for path in changes:  # the notebook, a data file beside it (new), the course's package, the pins
        path.write_bytes((path.read_bytes() if path.exists() else b"") + b"\n")
        keys.append(builder.cache_key(notebook))
    assert len(set(keys)) == len(keys), "a change the executed notebook depends on left its cache key unchanged"


# ---------------------------------------------------------------- in Chromium


def readme_site_blocks():
    """The code blocks of README's section on the website."""
    text = builder.readme_section((course.ROOT / "README.md").read_text(), "## The course as a website")
    return re.findall(r"^```(\w*)\n(.*?)^```", text, re.M | re.S)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(site):
    """The built site served by README's command (on a free port rather than 8000): its base URL."""
    out, _, _ = site
    command = next(block for _, block in readme_site_blocks() if "http.server" in block).split()
    assert command[:3] == ["python3", "-m", "http.server"] and command[command.index("-d") + 1] == out.name, command
    port = free_port()
    server = subprocess.Popen([sys.executable, *command[1:-1], str(port)], cwd=out.parent,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{base}/index.html", timeout=2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield base
    server.terminate()
    server.wait(timeout=10)


def test_readmes_commands_are_the_ones_tested():
    """README builds with `./course site` (what the fixtures run) into site/ with its cache in .site-cache/ (what
    `rm -rf .site-cache` removes), and its GitHub Pages example is a valid workflow whose build step is that
    command, uploading site/."""
    import yaml

    section = builder.readme_section((course.ROOT / "README.md").read_text(), "## The course as a website")
    assert builder.DEFAULT_OUT == course.ROOT / "site" and "writes `site/`" in section
    assert builder.DEFAULT_CACHE == course.ROOT / ".site-cache" and "`rm -rf .site-cache` starts over" in section
    blocks = readme_site_blocks()
    assert ("", "./course site\n") in blocks
    workflow = yaml.safe_load(next(block for kind, block in blocks if kind == "yaml"))
    steps = workflow["jobs"]["site"]["steps"]
    assert {"run": "./course site"} in steps
    assert any(step.get("with", {}).get("path") == "site" for step in steps)


@pytest.fixture(scope="module")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip("needs Debian's chromium (./course test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-background-networking"])
        yield browser
        browser.close()


def open_page(browser, base, width, height):
    """A page that records every request leaving the loopback server, and refuses it."""
    tab = browser.new_page(viewport={"width": width, "height": height})
    tab.outside = []

    def route(request_route):
        tab.outside.append(request_route.request.url)
        request_route.abort()

    tab.route(re.compile(r"^(?!" + re.escape(base) + ").*"), route)
    return tab


BROKEN_IMAGES = """() => [...document.images].filter(img => !(img.complete && img.naturalWidth > 0))
                                         .map(img => img.getAttribute('src'))"""


def test_every_page_opens_with_its_images_and_navigation_follows_the_course_map(chromium, served):
    tab = open_page(chromium, served, 1400, 900)
    tab.goto(f"{served}/index.html", wait_until="load")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "site-front.png"))
    visited = []
    for _ in range(len(course.ASSIGNMENTS) + 1):
        nxt = tab.locator("a.next-page")
        if not nxt.count():
            break
        nxt.first.click()
        tab.wait_for_load_state("load")
        name = tab.url.rsplit("/", 1)[-1].removesuffix(".html")
        visited.append(name)
        assert tab.evaluate(BROKEN_IMAGES) == [], name
        assert tab.locator("a.prev-page").count(), name
    assert visited == course.ASSIGNMENTS
    # Back from the last section to the front page, one section at a time.
    back = []
    while tab.locator("a.prev-page").count():
        tab.locator("a.prev-page").first.click()
        tab.wait_for_load_state("load")
        back.append(tab.url.rsplit("/", 1)[-1].removesuffix(".html"))
    assert back == [*reversed(course.ASSIGNMENTS[:-1]), "index"]
    # README's screenshot of a section: the first figure of 04_nn, with the code that drew it.
    tab.goto(f"{served}/{SEARCHED_IN}.html", wait_until="load")
    tab.evaluate("""() => { const cell = document.querySelector('article img').closest('div.cell');
                            const top = cell.getBoundingClientRect().top + window.scrollY - 40;
                            window.scrollTo({top: top, behavior: 'instant'}); }""")  # furo scrolls smoothly
    tab.screenshot(path=str(SCREENSHOTS / "site-section.png"))
    assert tab.outside == [], "the site asked for files outside itself"
    tab.close()


def test_search_finds_cross_entropy_loss(chromium, served):
    tab = open_page(chromium, served, 1400, 900)
    tab.goto(f"{served}/search.html?q={SEARCHED}", wait_until="load")
    tab.locator(".search-summary").wait_for(timeout=30_000)
    results = tab.locator("#search-results ul.search li a").evaluate_all("links => links.map(a => a.href)")
    assert any(f"/{SEARCHED_IN}.html" in url for url in results), results
    assert tab.outside == []
    tab.close()


def test_pages_fit_a_phone_without_scrolling_sideways(chromium, served):
    tab = open_page(chromium, served, PHONE, 844)
    wide = {}
    for name in ["index", *course.ASSIGNMENTS]:
        tab.goto(f"{served}/{name}.html", wait_until="load")
        width = tab.evaluate("document.documentElement.scrollWidth")
        if width > PHONE:
            wide[name] = width
    assert not wide, f"pages wider than a {PHONE} px phone: {wide}"
    assert tab.outside == []
    tab.close()
