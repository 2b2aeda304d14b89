"""Build the course as a static website: `./course site [--out DIR] [--jobs N]`.

One page per section, in course-map order, made from the learner notebook
(notebooks/NN_name/NN_name.ipynb) executed top to bottom in a fresh Jupyter
kernel, with the notebook's folder as working directory. Teaching cells keep
their outputs and figures; exercise cells (nbgrader solution and test cells)
are shown as the learner gets them, without outputs; the progress table at the
end is shown without its output. The front page is made from README.md's
title, course map, schedule and "Two commands", taken by heading.

Executed notebooks are cached by content (the notebook, the files beside it,
everything under torchcourse/, requirements.txt and this builder's format), so
a rebuild after a change to one section executes only that section. Sphinx
(MyST-NB, the furo theme) then renders the pages into --out (default: site/).

Exit status: 0 when the site was built; 1 when it was not (the reason is printed).
"""

import argparse
import concurrent.futures
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import nbformat

from torchcourse.run import PROGRESS_CALL

ROOT = Path(__file__).resolve().parent.parent
WEBSITE = ROOT / "website"
NOTEBOOKS = ROOT / "notebooks"
DEFAULT_OUT = ROOT / "site"
DEFAULT_CACHE = ROOT / ".site-cache"

# Bump when what is cached changes (how notebooks are executed or cleaned), so old entries are not reused.
CACHE_FORMAT = "course-site-2"
CELL_TIMEOUT = 600  # seconds for one cell
SECTION_NAME = re.compile(r"\d\d_[a-z0-9_]+")
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


class BuildError(Exception):
    """The site cannot be built; the message says why."""


# ---------------------------------------------------------------- the sections and the repository


def sections(notebooks=NOTEBOOKS):
    """The sections' names in course-map order (00_intro, 01_tensors, ...): notebooks/NN_name/NN_name.ipynb."""
    names = sorted(p.name for p in Path(notebooks).iterdir()
                   if p.is_dir() and SECTION_NAME.fullmatch(p.name) and (p / f"{p.name}.ipynb").is_file())
    if not names:
        raise BuildError(f"no section notebooks (NN_name/NN_name.ipynb) under {notebooks}")
    return names


def repository_url(pyproject=ROOT / "pyproject.toml"):
    """The `Repository` URL of pyproject.toml's [project.urls], as https://github.com/OWNER/REPO."""
    with open(pyproject, "rb") as file:
        urls = tomllib.load(file).get("project", {}).get("urls", {})
    url = urls.get("Repository")
    if not url:
        raise BuildError(f"{pyproject} has no Repository in [project.urls]: the site's 'Open in Colab' links need "
                         'it, e.g. Repository = "https://github.com/OWNER/REPO"')
    match = re.fullmatch(r"https://github\.com/([^/\s]+)/([^/\s]+?)(?:\.git)?/?", url)
    if not match:
        raise BuildError(f"{pyproject}: Repository = {url!r} is not a GitHub repository URL "
                         "(https://github.com/OWNER/REPO), which Colab's links need")
    return f"https://github.com/{match.group(1)}/{match.group(2)}"


def colab_url(repository, name):
    """Colab's URL for a notebook of the repository's main branch."""
    return (repository.replace("https://github.com/", "https://colab.research.google.com/github/", 1)
            + f"/blob/main/notebooks/{name}/{name}.ipynb")


# ---------------------------------------------------------------- executing, with a cache by content


def _files_under(folder, skip=()):
    """(relative path, bytes) of every file under folder, sorted; caches and checkpoints left out."""
    found = []
    for path in sorted(Path(folder).rglob("*")):
        parts = path.relative_to(folder).parts
        if (path.is_file() and path not in skip and path.suffix != ".pyc"
                and not any(p in ("__pycache__", ".ipynb_checkpoints") for p in parts)):
            found.append(("/".join(parts), path.read_bytes()))
    return found


def cache_key(notebook):
    """sha256 of what an executed notebook depends on: the notebook, the files beside it, torchcourse/, the pins."""
    digest = hashlib.sha256(CACHE_FORMAT.encode())
    parts = [("notebook", Path(notebook).read_bytes())]
    parts += [(f"beside/{name}", data) for name, data in _files_under(Path(notebook).parent, skip={Path(notebook)})]
    parts += [(f"torchcourse/{name}", data) for name, data in _files_under(ROOT / "torchcourse")]
    parts += [("requirements.txt", (ROOT / "requirements.txt").read_bytes())]
    for name, data in parts:
        for piece in (name.encode(), data):
            digest.update(len(piece).to_bytes(8, "little"))
            digest.update(piece)
    return digest.hexdigest()


def execute(notebook, log_file):
    """Run a notebook top to bottom with the course's own runner (torchcourse.run); return it as JSON text.

    Runs in a worker process: the kernel draws figures inline, as in JupyterLab (not with the Agg
    backend that ./course sets for scripts), and its own messages go to log_file, not to the terminal.
    """
    from torchcourse.run import execute as run_notebook

    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning at kernel start
    with open(log_file, "w") as log:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        return nbformat.writes(run_notebook(str(notebook), timeout=CELL_TIMEOUT))


def is_exercise_cell(cell):
    nbgrader = cell.get("metadata", {}).get("nbgrader", {})
    return bool(nbgrader.get("solution") or nbgrader.get("grade"))


def _tqdm_text(view, state):
    """The last state of a tqdm progress bar widget (an HBox of HTML, FloatProgress, HTML) as text, or None."""
    box = state.get(view.get("model_id"), {}).get("state", {})
    children = [state.get(str(ref).removeprefix("IPY_MODEL_"), {}).get("state", {}) for ref in box.get("children", [])]
    names = [child.get("_model_name") for child in children]
    if names != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, bar, right = children
    filled = round(10 * (bar.get("value") or 0) / (bar.get("max") or 1))
    text = f"{left.get('value', '')}|{'█' * filled}{' ' * (10 - filled)}|{right.get('value', '')}"
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def clean(nb, name):
    """The executed notebook as the page shows it; raises BuildError when a teaching cell failed."""
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    failed = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if is_exercise_cell(cell) or PROGRESS_CALL in cell.source:  # the progress table: the learner's own
            cell.outputs, cell.execution_count = [], None
            continue
        for output in cell.outputs:
            if output.output_type == "error" and "raises-exception" not in cell.metadata.get("tags", []):
                failed.append(f"{name}, cell {cell.get('id', number)}: {output.ename}: {output.evalue}")
            data = output.get("data", {})
            if WIDGET_VIEW in data:  # a widget needs JavaScript from the internet: show its last state as text
                text = _tqdm_text(data[WIDGET_VIEW], state)
                del data[WIDGET_VIEW]
                if text is not None:
                    data["text/plain"] = text
    if failed:
        raise BuildError("a teaching cell raised an error (only exercise cells may):\n  " + "\n  ".join(failed))
    nb.metadata.pop("widgets", None)
    return nb


def snapshot(notebooks, name, cache):
    """A copy of the section's folder under the cache: what is keyed, executed and offered for download.

    Executing a copy leaves the learner's folder alone, and a notebook regenerated during the build
    cannot be executed in one version and cached under the key of another.
    """
    copy = cache / "work" / name
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(Path(notebooks) / name, copy, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    return copy / f"{name}.ipynb"


def executed_notebooks(names, notebooks, cache, jobs, log):
    """({name: executed and cleaned notebook}, [names executed]): each from the cache, or executed when not there."""
    folder = cache / "executed"
    folder.mkdir(parents=True, exist_ok=True)
    copies = {name: snapshot(notebooks, name, cache) for name in names}
    entry = {name: folder / f"{name}-{cache_key(copies[name])}.ipynb" for name in names}
    todo = [name for name in names if not entry[name].is_file()]
    for name in names:
        if name not in todo:
            log(f"  {name}: cached")
    if todo:
        started = time.monotonic()
        with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo)))) as pool:
            runs = {pool.submit(execute, copies[name], folder / f"{name}.kernel.log"): name for name in todo}
            for run in concurrent.futures.as_completed(runs):
                name = runs[run]
                try:
                    nb = clean(nbformat.reads(run.result(), as_version=4), name)
                except BuildError:
                    raise
                except Exception as error:
                    raise BuildError(f"{name} could not be executed: {type(error).__name__}: {error} "
                                     f"(the kernel's messages: {folder / f'{name}.kernel.log'})") from error
                for stale in folder.glob(f"{name}-*.ipynb"):
                    stale.unlink()
                nbformat.write(nb, entry[name])
                log(f"  {name}: executed ({time.monotonic() - started:.1f} s since the first started)")
    return {name: nbformat.read(entry[name], as_version=4) for name in names}, todo


# ---------------------------------------------------------------- the pages


def readme_section(text, heading, subsections=True):
    """README's section under `heading` (e.g. '## Course map'), up to the next heading of its level or higher
    (with subsections=False, up to its first subsection)."""
    level = len(heading) - len(heading.lstrip("#")) if subsections else 6
    lines = text.splitlines()
    fence = False
    start = None
    for number, line in enumerate(lines):
        if line.startswith("```"):
            fence = not fence
        if fence or not line.startswith("#"):
            continue
        if start is None:
            if line.strip() == heading:
                start = number
        elif len(line) - len(line.lstrip("#")) <= level:
            return "\n".join(lines[start:number]).strip() + "\n"
    if start is None:
        raise BuildError(f"README.md has no heading {heading!r}, which the site's front page shows")
    return "\n".join(lines[start:]).strip() + "\n"


def readme_intro(text):
    """README's title and the paragraphs before its first '## ' heading."""
    intro = text.split("\n## ", 1)[0]
    if not intro.startswith("# "):
        raise BuildError("README.md does not start with a '# ' title, which the site's front page shows")
    return intro.strip() + "\n"


def site_links(markdown, names, repository):
    """README's links made to work on the site: sections to their pages, the rest to the repository on GitHub."""
    def link(match):
        target = match.group(2)
        section = re.fullmatch(r"notebooks/(\d\d_[a-z0-9_]+)/\1\.ipynb", target)
        if section and section.group(1) in names:
            target = f"{section.group(1)}.ipynb"
        elif target.startswith("#"):
            target = f"{repository}/blob/main/README.md{target}"
        elif not re.match(r"[a-z]+:", target):
            target = f"{repository}/blob/main/{target}"
        return f"{match.group(1)}({target})"
    return re.sub(r"(\[[^\]]*\])\(([^)\s]+)\)", link, markdown)


def front_page(readme, names, repository):
    """The front page (MyST markdown): website/index.md with README's sections filled in, then the table of contents."""
    template = (WEBSITE / "index.md").read_text()

    def fill(match):
        what = match.group(2).strip()
        if what == "title":
            return readme_intro(readme)
        return readme_section(readme, what, subsections=not match.group(1))

    page = re.sub(r"<!--\s*README(, without subsections)?:\s*(.+?)\s*-->", fill, template)
    page = site_links(page, names, repository).replace("{repository}", repository)
    toctree = "\n".join(["```{toctree}", ":hidden:", ":maxdepth: 1", "", *names, "```"])
    return page.rstrip() + "\n\n" + toctree + "\n"


def section_page(nb, name, repository):
    """The executed notebook with the download and Colab links under its title."""
    links = nbformat.v4.new_markdown_cell(
        f'<p class="course-links"><a class="reference" href="notebooks/{name}/{name}.ipynb" download>'
        f"Download the notebook</a> · "
        f'<a class="reference external" href="{colab_url(repository, name)}">Open in Colab</a></p>\n\n'
        "This page shows the notebook as a learner gets it, run top to bottom: the exercises are not answered, "
        "so their cells are shown without outputs.")
    links.id = "course-site-links"
    first = nb.cells[0] if nb.cells else None
    if first is not None and first.cell_type == "markdown" and first.source.startswith("# "):
        title, _, rest = first.source.partition("\n")
        first.source = title
        cells = [first, links]
        if rest.strip():
            cells.append(nbformat.v4.new_markdown_cell(rest.strip()))
            cells[-1].id = "course-site-intro"
        nb.cells = cells + nb.cells[1:]
    else:
        nb.cells.insert(0, links)
    return nb


def write_if_changed(path, text):
    """Write text to path unless it already holds it (so Sphinx sees unchanged pages as unchanged)."""
    if not path.is_file() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


# ---------------------------------------------------------------- the build


def build(out=DEFAULT_OUT, cache=DEFAULT_CACHE, notebooks=NOTEBOOKS, jobs=None, log=print):
    """Build the site into `out`; return {'sections': [...], 'executed': [...], 'seconds': {...}}."""
    out, cache, notebooks = Path(out).resolve(), Path(cache).resolve(), Path(notebooks).resolve()
    if out.exists() and any(out.iterdir()) and not (out / ".buildinfo").is_file():
        raise BuildError(f"{out} is not empty and holds no site built before: choose another --out")
    repository = repository_url()
    names = sections(notebooks)
    jobs = jobs or max(1, min(4, os.cpu_count() or 1))
    seconds = {}

    started = time.monotonic()
    log(f"Executing the learner notebooks ({jobs} at a time; unchanged ones come from {cache}):")
    executed, ran = executed_notebooks(names, notebooks, cache, jobs, log)
    seconds["execute"] = time.monotonic() - started

    source = cache / "source"
    source.mkdir(parents=True, exist_ok=True)
    for stale in source.iterdir():
        if stale.is_file() and stale.stem not in [*names, "index"]:
            stale.unlink()
    write_if_changed(source / "index.md", front_page((ROOT / "README.md").read_text(), names, repository))
    for name in names:
        write_if_changed(source / f"{name}.ipynb", nbformat.writes(section_page(executed[name], name, repository)))

    started = time.monotonic()
    rendered = cache / "sphinx" / "html"  # MyST-NB writes beside Sphinx's output folder, so Sphinx writes here first
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going", "-j", str(jobs),
               "-c", str(WEBSITE), "-d", str(cache / "sphinx" / "doctrees"), str(source), str(rendered)]
    log("Rendering the pages with Sphinx...")
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"Sphinx failed:\n{result.stdout}{result.stderr}")
    if out.exists():
        shutil.rmtree(out)
    shutil.copytree(rendered, out, ignore=shutil.ignore_patterns("_sources"))
    (out / ".nojekyll").touch()  # GitHub Pages publishing from a branch would otherwise hide _static/ and _images/
    for name in names:
        (out / "notebooks" / name).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cache / "work" / name / f"{name}.ipynb", out / "notebooks" / name / f"{name}.ipynb")
    seconds["render"] = time.monotonic() - started
    return {"sections": names, "executed": ran, "seconds": seconds, "out": str(out)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./course site", description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where the site goes (default: site/)")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE,
                        help="executed notebooks and Sphinx's work (default: .site-cache/)")
    parser.add_argument("--notebooks", type=Path, default=NOTEBOOKS,
                        help="the learner notebooks' folder (default: notebooks/)")
    parser.add_argument("--jobs", type=int, default=None, help="notebooks executed at a time (default: cores, <= 4)")
    parser.add_argument("--report", type=Path, help="also write what was built and executed to this JSON file")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        report = build(args.out, args.cache, args.notebooks, args.jobs, log=lambda line: print(line, flush=True))
    except BuildError as error:
        print(f"course site: {error}", file=sys.stderr)
        return 1
    report["seconds"]["total"] = time.monotonic() - started
    print(f"executed: {' '.join(report['executed']) or 'none'}")
    print(f"Built the site in {report['seconds']['total']:.1f} s: open {Path(report['out']) / 'index.html'}")
    if args.report:
        args.report.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
