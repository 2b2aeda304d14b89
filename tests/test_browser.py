"""The learner's and the instructor's journeys in a real browser (Chromium, headless, via Playwright).

The course starts with README's own command (`./course lab`), serving a
temporary folder that holds a learner's copy of 01_tensors with every
exercise but the last answered. Screenshots of each step are saved under
tests/artifacts/browser/ (git-ignored); README shows two of them.
"""

import os
import re
import shutil
import socket
import subprocess
import time
import urllib.request

import course
import nbformat
import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = course.ROOT / "tests" / "artifacts" / "browser"
SECTION = "01_tensors"
TOKEN = "course-browser-test"

pytestmark = pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                reason="needs Debian's chromium (./course test installs it)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5)
            return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(url)


def start_lab(tmp_path_factory, workspace=None):
    """`./course lab` (the learner's, on `workspace`), or `./course lab --instructor` when no workspace is given,
    as README says, with clean JupyterLab workspaces and settings; returns (server, base url)."""
    # Clean user settings, except that every cell stays in the page (JupyterLab leaves
    # cells out of view out of the DOM), so the test can count the plots.
    settings = tmp_path_factory.mktemp("settings")
    (settings / "@jupyterlab" / "notebook-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings").write_text(
        '{"windowingMode": "none"}')
    (settings / "@jupyterlab" / "apputils-extension").mkdir(parents=True)
    (settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings").write_text(
        '{"fetchNews": "false"}')  # no "Would you like to get notified..." toast over the screenshots
    port = free_port()
    server = subprocess.Popen(
        [str(course.ROOT / "course"), "lab", *([] if workspace else ["--instructor"]),
         "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={TOKEN}", f"--LabApp.workspaces_dir={tmp_path_factory.mktemp('workspaces')}",
         f"--LabApp.user_settings_dir={settings}"],  # as root too: ./course lab allows it
        # The tests' Agg backend would hide the plots.
        env={**{k: v for k, v in os.environ.items() if k != "MPLBACKEND"},
             **({"COURSE_WORKSPACE": str(workspace)} if workspace else {})},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/api/status?token={TOKEN}")
    except TimeoutError:
        stop_lab(server)
        raise
    return server, base


def stop_lab(server):
    os.killpg(server.pid, 15)
    server.wait(timeout=30)


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The learner's JupyterLab on their workspace, where their copy of 01_tensors has every exercise but the last
    answered (./course lab adds the other sections and leaves that one as it is).

    Yields (base url, learner folder, (number, answer) of the last exercise).
    """
    folder = tmp_path_factory.mktemp("learner") / "workspace"
    folder.mkdir()
    release, source = course.read(course.release_path(SECTION)), course.read(course.source_path(SECTION))
    numbers = sorted(course.exercises(source))
    (folder / SECTION).mkdir()
    nbformat.write(course.fill_answers(release, source, numbers[:-1]), folder / SECTION / f"{SECTION}.ipynb")
    last = course.exercises(source)[numbers[-1]]
    server, base = start_lab(tmp_path_factory, workspace=folder)
    try:
        yield base, folder, (numbers[-1], course.reference_answer(last.solution))
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
def instructor_lab(tmp_path_factory):
    """The instructor's JupyterLab: `./course lab --instructor`, on the repository, where the course folder is."""
    server, base = start_lab(tmp_path_factory)
    try:
        yield base
    finally:
        stop_lab(server)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-background-networking"])
        yield chromium
        chromium.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def page(browser, request):
    """A fresh page; on failure its last state is saved as <test name>-failed.png."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    yield page
    if getattr(request.node, "failed", False):
        shot(page, f"{request.node.name}-failed")
    page.close()


def validate(page):
    """Press the notebook's Validate button; return the text of nbgrader's result dialog, then close it."""
    page.keyboard.press("Control+s")
    # JupyterLab may ask whether to overwrite a file whose time on disk it did not expect: the page's copy wins.
    changed = page.locator(".jp-Dialog", has_text="File Changed")
    try:
        changed.wait_for(timeout=2000)
        changed.get_by_role("button", name="Overwrite").click()
    except Exception:
        pass
    page.wait_for_selector(".jp-Dialog", state="detached", timeout=10_000)
    page.get_by_role("button", name="Validate").click()
    dialog = page.locator(".jp-Dialog")
    dialog.wait_for(timeout=180_000)
    page.wait_for_function("() => !document.querySelector('.jp-Dialog').innerText.includes('Validating')",
                           timeout=180_000)
    return dialog


def test_learner_runs_validates_and_fixes_an_exercise(lab, page):
    base, folder, (number, answer) = lab
    page.goto(f"{base}/lab/tree/{SECTION}/{SECTION}.ipynb?token={TOKEN}&reset")
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    # The kernel has started when the status bar says so (on a loaded machine, tens of seconds).
    page.locator(".jp-StatusBar-Widget", has_text="Idle").first.wait_for(timeout=240_000)

    # The workspace holds every section; this one is the learner's own copy, not replaced.
    assert sorted(p.name for p in folder.iterdir() if p.is_dir()) == course.ASSIGNMENTS
    # Run all: every plot renders, the unanswered exercise shows its error, and the run goes on to the last cell.
    started = page.locator(".jp-InputPrompt", has_text=re.compile(r"\[(\*|\d+)\]"))
    for _ in range(3):  # a click that lands before the notebook has focus runs nothing: try again
        page.locator(".jp-Notebook").first.click(position={"x": 5, "y": 5})
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.locator("[data-command='runmenu:run-all']").click()
        try:
            started.first.wait_for(timeout=60_000)
            break
        except Exception:
            continue
    error = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    error.first.wait_for(timeout=300_000)
    assert "Exercise not answered yet" in error.first.inner_text()
    assert page.locator(".jp-RenderedImage img").count() >= 2, "the notebook's plots did not render"
    table = page.locator(".jp-OutputArea-output", has_text="Where you stand")
    table.wait_for(timeout=300_000)
    text = table.inner_text()
    exercises = len(course.exercises(course.read(course.source_path(SECTION))))
    assert re.search(r"Exercise 1\s+passed", text) and re.search(rf"Exercise {int(number)}\s+not answered", text), text
    assert f"{exercises - 1} of {exercises} exercises pass their visible tests" in text, text
    table.scroll_into_view_if_needed()
    shot(page, "learner-1-run-all")

    # The learner's JupyterLab has Validate but not the instructor's tools.
    page.get_by_role("menuitem", name="Nbgrader").click()
    assert page.get_by_role("menuitem", name="Formgrader").count() == 0
    page.keyboard.press("Escape")

    # Validate: the untouched exercise fails, named, with its hint.
    dialog = validate(page)
    text = dialog.inner_text()
    assert f"Exercise {int(number)}, visible tests" in text, text[:2000]
    assert "Exercise not answered yet. Hint:" in text, text[:2000]
    dialog.locator("pre").last.scroll_into_view_if_needed()  # the error and its hint, below the cell's source
    shot(page, "learner-2-validate-fails")
    dialog.get_by_role("button").last.click()

    # Type the answer into the exercise's cell, save, validate again: success.
    cell = page.locator(".jp-CodeCell").filter(has=page.locator(".jp-InputArea .cm-content",
                                                                has_text="YOUR CODE HERE"))
    assert cell.count() == 1
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.insert_text(answer)
    dialog = validate(page)
    text = dialog.inner_text()
    assert "Success! Your notebook passes all the tests." in text, text[:2000]
    shot(page, "learner-3-validate-passes")
    dialog.get_by_role("button").last.click()
    saved = nbformat.read(folder / SECTION / f"{SECTION}.ipynb", as_version=4)
    assert any(answer.strip() in c.source for c in saved.cells)


def test_instructor_sees_the_course_in_the_formgrader(instructor_lab, page):
    base = instructor_lab
    page.goto(f"{base}/lab?token={TOKEN}&reset")
    page.get_by_role("menuitem", name="Nbgrader").click()
    page.get_by_role("menuitem", name="Formgrader").click()
    frame = page.frame_locator("iframe").first
    for assignment in course.ASSIGNMENTS:
        frame.get_by_text(assignment, exact=True).first.wait_for(timeout=120_000)
    time.sleep(1)
    shot(page, "instructor-formgrader")
