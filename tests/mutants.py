"""Mutation testing of the reference solutions: do an exercise's tests notice a small change?

    ./course mutants [SECTION ...] [--exercise NN] [--threshold 95] [--jobs N]

Each reference solution (the code between `### BEGIN SOLUTION` and `### END
SOLUTION`) is changed in one place at a time: an arithmetic, comparison or
boolean operator; a constant; a keyword argument dropped (`dim=1`,
`keepdim=True`) or a trailing positional one; a method or function swapped
for its usual confusion (`sum`/`mean`, `cat`/`stack`, `view`/`reshape`,
`train`/`eval`, ...); a statement call dropped (`optimizer.zero_grad()`,
`loss.backward()`, `model.eval()`); a chained call dropped (`.detach()`,
`.clone()`, `.to(device)`); a `with` block or decorator (`torch.no_grad()`)
dropped; two arguments or a returned pair swapped (`loss_fn(y, pred)`); `+=`
made `=`; a `for` loop over nothing; `break` and `continue` swapped. Each
mutant runs with the exercise's visible and hidden tests, in a fork of one
process that ran the section's notebook once (as `tests/test_exercises.py`
does), so a section takes seconds, not a kernel per mutant. A mutant is
killed when a test fails or it runs past the time limit.

A mutant that no test can kill because the prompt allows both behaviours is
marked on its line of the reference solution, with the label this tool prints
and a reason:

    return x.reshape(-1)  # equivalent mutant: `reshape` -> `view` -- x is always contiguous here

A mark that matches no surviving mutant is an error (it would hide a test
that no longer exists). The score is killed / (all - marked equivalent); the
command exits 1 when a section scores below the threshold.
"""

import argparse
import ast
import json
import os
import re
import select
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # forks of a process with an OpenMP pool can deadlock
os.environ.setdefault("MPLBACKEND", "Agg")

import course  # noqa: E402

THRESHOLD = 95.0
TIMEOUT = 30.0  # seconds per mutant: a mutant that loops forever is killed by the grader's time limit too
MARK = re.compile(r"#\s*equivalent mutant:\s*(?P<label>.+?)\s+--\s+(?P<reason>\S.*)$")

# Swaps learners make: each name is tried as each of its alternatives.
SWAPS = {
    "sum": ["mean"], "mean": ["sum"], "nansum": ["nanmean"], "nanmean": ["nansum"],
    "max": ["min"], "min": ["max"], "amax": ["amin"], "amin": ["amax"], "maximum": ["minimum"],
    "minimum": ["maximum"], "argmax": ["argmin"], "argmin": ["argmax"],
    "cat": ["stack"], "stack": ["cat"], "hstack": ["vstack"], "vstack": ["hstack"],
    "view": ["reshape"], "reshape": ["view"], "squeeze": ["unsqueeze"], "unsqueeze": ["squeeze"],
    "flatten": ["ravel"], "transpose": ["permute"],
    "std": ["var"], "var": ["std"], "prod": ["sum"], "cumsum": ["cumprod"], "cumprod": ["cumsum"],
    "floor": ["ceil"], "ceil": ["floor"], "round": ["floor"], "exp": ["log"], "log": ["exp"],
    "all": ["any"], "any": ["all"], "zeros": ["ones"], "ones": ["zeros"], "zeros_like": ["ones_like"],
    "ones_like": ["zeros_like"], "rand": ["randn"], "randn": ["rand"], "empty": ["zeros"],
    "softmax": ["log_softmax"], "log_softmax": ["softmax"], "sigmoid": ["softmax"], "relu": ["sigmoid"],
    "train": ["eval"], "eval": ["train"], "no_grad": ["enable_grad"], "enable_grad": ["no_grad"],
    "inference_mode": ["enable_grad"],
    "detach": ["clone"], "clone": ["detach"], "float": ["double"], "double": ["float"],
    "long": ["int"], "int": ["long"], "abs": ["neg"], "matmul": ["mul"], "mm": ["mul"], "mul": ["matmul"],
    "eq": ["ne"], "ne": ["eq"], "lt": ["le"], "le": ["lt"], "gt": ["ge"], "ge": ["gt"],
    "topk": ["sort"], "sort": ["argsort"], "argsort": ["sort"], "item": ["tolist"],
    "state_dict": ["parameters"], "parameters": ["buffers"], "named_parameters": ["named_buffers"],
    "items": ["values"], "keys": ["values"], "values": ["keys"],
    "append": ["extend"], "extend": ["append"], "startswith": ["endswith"], "endswith": ["startswith"],
    "isinstance": ["issubclass"], "sorted": ["reversed"], "reversed": ["sorted"], "len": ["bool"],
    "zero_grad": ["step"], "step": ["zero_grad"], "backward": ["detach"],
    "train_loader": ["val_loader"], "val_loader": ["train_loader"],
}
STRING_SWAPS = {"mean": "sum", "sum": "mean", "none": "mean", "cpu": "meta", "min": "max", "max": "min",
                "train": "eval", "eval": "train"}
# Calls whose result is (roughly) their receiver: dropping them is a mutant (`x.detach()` -> `x`).
PASS_THROUGH = {"detach", "clone", "contiguous", "cpu", "float", "double", "long", "int", "to", "copy",
                "requires_grad_", "detach_", "squeeze", "flatten", "t", "numpy", "item", "tolist", "abs",
                "train", "eval", "sorted", "list", "tuple", "dict", "round"}
MODULE_NAMES = {"torch", "nn", "F", "np", "math", "random", "os", "json", "io", "tempfile", "itertools"}
BINOPS = {ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
          ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.MatMult: ast.Mult, ast.BitAnd: ast.BitOr,
          ast.BitOr: ast.BitAnd}
CMPOPS = {ast.Lt: [ast.LtE], ast.LtE: [ast.Lt], ast.Gt: [ast.GtE], ast.GtE: [ast.Gt], ast.Eq: [ast.NotEq],
          ast.NotEq: [ast.Eq], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is], ast.In: [ast.NotIn], ast.NotIn: [ast.In]}
SYMBOLS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%",
           ast.Pow: "**", ast.MatMult: "@", ast.BitAnd: "&", ast.BitOr: "|", ast.Lt: "<", ast.LtE: "<=",
           ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.Is: "is", ast.IsNot: "is not",
           ast.In: "in", ast.NotIn: "not in", ast.And: "and", ast.Or: "or"}


@dataclass(frozen=True)
class Mutant:
    number: str   # the exercise, "01"
    line: int     # the line in the solution cell (markers counted), 1-based
    label: str    # what changed, e.g. "`sum` -> `mean`"
    code: str     # the mutated answer, as a learner's solution cell


def _short(node, limit=40):
    text = ast.unparse(node)
    return text if len(text) <= limit else text[:limit - 3] + "..."


class _Walk(ast.NodeTransformer):
    """Numbers nodes in pre-order; replaces node number `target` with make(node) (after its children)."""

    def __init__(self, target=None, make=None):
        self.count, self.target, self.make, self.nodes = -1, target, make, []

    def visit(self, node):
        self.count += 1
        me = self.count
        self.nodes.append(node)
        node = self.generic_visit(node)
        return self.make(node) if me == self.target else node


def _replace(cls):
    def make(node):
        node.op = cls()
        return node
    return make


def _mutations(node, parent_is_docstring=False):
    """[(label, make)] for one node; make(fresh copy of the node) returns its replacement."""
    out = []
    if isinstance(node, (ast.BinOp, ast.AugAssign)) and type(node.op) in BINOPS:
        new = BINOPS[type(node.op)]
        out.append((f"`{SYMBOLS[type(node.op)]}` -> `{SYMBOLS[new]}`", _replace(new)))
    elif isinstance(node, ast.BoolOp):
        new = ast.Or if isinstance(node.op, ast.And) else ast.And
        out.append((f"`{SYMBOLS[type(node.op)]}` -> `{SYMBOLS[new]}`", _replace(new)))
    elif isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in CMPOPS.get(type(op), []):
                def make(n, i=i, new=new):
                    n.ops[i] = new()
                    return n
                out.append((f"`{SYMBOLS[type(op)]}` -> `{SYMBOLS[new]}`", make))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        out.append(("drop unary `-`", lambda n: n.operand))
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(("drop `not`", lambda n: ast.Call(ast.Name("bool", ast.Load()), [n.operand], [])))
    elif isinstance(node, ast.Constant) and not parent_is_docstring:
        value = node.value
        if isinstance(value, bool):
            out.append((f"`{value}` -> `{not value}`", lambda n: ast.Constant(not n.value)))
        elif isinstance(value, int):
            for new in ([value + 1, value - 1] if value else [1, -1]):
                out.append((f"`{value}` -> `{new}`", lambda n, new=new: ast.Constant(new)))
        elif isinstance(value, float):
            new = value * 2 if value else 1.0
            out.append((f"`{value!r}` -> `{new!r}`", lambda n, new=new: ast.Constant(new)))
        elif isinstance(value, str) and value in STRING_SWAPS:
            new = STRING_SWAPS[value]
            out.append((f"`{value!r}` -> `{new!r}`", lambda n, new=new: ast.Constant(new)))
    elif isinstance(node, ast.Call):
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
        for new in SWAPS.get(name, []):
            def make(n, new=new):
                if isinstance(n.func, ast.Attribute):
                    n.func.attr = new
                else:
                    n.func.id = new
                return n
            out.append((f"`{name}` -> `{new}`", make))
        for i, keyword in enumerate(node.keywords):
            if keyword.arg is not None:
                def make(n, i=i):
                    del n.keywords[i]
                    return n
                out.append((f"drop `{keyword.arg}={_short(keyword.value, 20)}`", make))
        receiver_is_module = isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
            and func.value.id in MODULE_NAMES
        method = isinstance(func, ast.Attribute) and not receiver_is_module
        if node.args and not isinstance(node.args[-1], ast.Starred) and (len(node.args) >= 2 or method):
            def make(n):
                n.args.pop()
                return n
            out.append((f"drop argument `{_short(node.args[-1], 20)}`", make))
        if method and name in PASS_THROUGH:
            out.append((f"drop `.{name}(...)`", lambda n: n.func.value))
        elif isinstance(func, ast.Name) and name in PASS_THROUGH and len(node.args) == 1 and not node.keywords:
            out.append((f"drop `{name}(...)`", lambda n: n.args[0]))
    if isinstance(node, ast.Call) and len(node.args) == 2 and not any(isinstance(a, ast.Starred) for a in node.args) \
            and ast.unparse(node.args[0]) != ast.unparse(node.args[1]):
        def make(n):
            n.args.reverse()
            return n
        out.append((f"swap `{_short(node.args[0], 20)}` and `{_short(node.args[1], 20)}`", make))
    if isinstance(node, ast.AugAssign):
        out.append((f"`{SYMBOLS.get(type(node.op), '?')}=` -> `=`",
                    lambda n: ast.Assign([n.target], n.value, lineno=n.lineno)))
    elif isinstance(node, (ast.For, ast.AsyncFor)):
        def make(n):
            n.iter = ast.List([], ast.Load())
            return n
        out.append((f"`for` over nothing instead of `{_short(node.iter, 30)}`", make))
    elif isinstance(node, ast.Break):
        out.append(("`break` -> `continue`", lambda n: ast.Continue()))
    elif isinstance(node, ast.Continue):
        out.append(("`continue` -> `break`", lambda n: ast.Break()))
    elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) == 2:
        def make(n):
            n.value.elts.reverse()
            return n
        out.append(("swap the returned pair", make))
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        out.append((f"drop `{_short(node.value)}`", lambda n: ast.Pass()))
    elif isinstance(node, (ast.With, ast.AsyncWith)):
        for i, item in enumerate(node.items):
            def make(n, i=i):
                n.items[i].context_expr = ast.parse("__import__('contextlib').nullcontext()", mode="eval").body
                return n
            out.append((f"drop `with {_short(item.context_expr)}`", make))
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        for i, decorator in enumerate(node.decorator_list):
            def make(n, i=i):
                del n.decorator_list[i]
                return n
            out.append((f"drop `@{_short(decorator)}`", make))
    return out


def solution_lines(solution_source):
    """(the answer without nbgrader's markers, {answer line: cell line} for lines inside a solution block)."""
    answer, inside, lines = [], False, {}
    for number, line in enumerate(solution_source.split("\n"), start=1):
        if line.strip() == "### BEGIN SOLUTION":
            inside = True
        elif line.strip() == "### END SOLUTION":
            inside = False
        else:
            answer.append(line)
            if inside:
                lines[len(answer)] = number
    return "\n".join(answer), lines


def mutants(number, solution_source):
    """Every single-change mutant of an exercise's reference solution."""
    answer, lines = solution_lines(solution_source)
    walk = _Walk()
    tree = ast.parse(answer)
    walk.visit(tree)
    docstrings = {id(n.value) for n in walk.nodes if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                  and isinstance(n.value.value, str)}
    found, seen = [], set()
    for index, node in enumerate(walk.nodes):
        line = getattr(node, "lineno", None)
        if line not in lines:
            continue
        for label, make in _mutations(node, id(node) in docstrings):
            fresh = ast.parse(answer)
            mutated = _Walk(index, make).visit(fresh)
            code = ast.unparse(ast.fix_missing_locations(mutated))
            if (code, label) in seen:
                continue
            seen.add((code, label))
            found.append(Mutant(number, lines[line], label, code))
    return found


def marks(solution_source):
    """{(cell line, label): reason} for the `# equivalent mutant: LABEL -- reason` comments of a solution cell."""
    found = {}
    for number, line in enumerate(solution_source.split("\n"), start=1):
        match = MARK.search(line)
        if match:
            found[(number, match.group("label").strip())] = match.group("reason").strip()
    return found


def _run_in_fork(assignment, mutant, timeout):
    """Start the mutant's tests in a child; return (pid, read end of its result pipe)."""
    import exercise_runner

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run, report one line, leave without running any cleanup
        os.close(read)
        signal.alarm(int(timeout) + 5)  # a last resort, in case the parent is gone
        try:
            failure = exercise_runner.run_exercise(assignment, mutant.number, mutant.code)
            text = json.dumps({"killed": failure is not None, "why": (failure or "").strip()[:300]})
        except BaseException as error:  # noqa: BLE001 - a mutant may raise anything; that is a kill
            text = json.dumps({"killed": True, "why": f"{type(error).__name__}: {error}"[:300]})
        os.write(write, text.encode() + b"\n")
        os._exit(0)
    os.close(write)
    return pid, read


def run_section(assignment, exercise=None, jobs=None, timeout=TIMEOUT, progress=None):
    """Mutate every reference solution of a section and run its tests; return a report dict."""
    import exercise_runner
    import torch

    torch.set_num_threads(1)
    exercises = exercise_runner.source_exercises(assignment)
    exercise_runner.snapshots(assignment)  # the notebook runs once, here; the forks inherit it
    reference_failures = {}
    for number, ex in sorted(exercises.items()):
        if exercise in (None, number):
            failure = exercise_runner.run_exercise(assignment, number, course.reference_answer(ex.solution))
            if failure:
                reference_failures[number] = failure.strip()
    todo = [m for number, ex in sorted(exercises.items()) if exercise in (None, number)
            for m in mutants(number, ex.solution)]
    results, running, queue = {}, {}, list(todo)
    jobs = jobs or os.cpu_count() or 1
    while queue or running:
        while queue and len(running) < jobs:
            mutant = queue.pop(0)
            pid, read = _run_in_fork(assignment, mutant, timeout)
            running[read] = (pid, mutant, time.monotonic(), [])
        ready, _, _ = select.select(list(running), [], [], 0.2)
        now = time.monotonic()
        for read in list(running):
            pid, mutant, started, chunks = running[read]
            result = None
            if read in ready:
                chunk = os.read(read, 65536)
                if chunk:
                    chunks.append(chunk)
                    continue
                try:
                    result = json.loads(b"".join(chunks))
                except ValueError:
                    result = {"killed": True, "why": "the tests' process ended without a result (a crash)"}
            elif now - started > timeout:
                os.kill(pid, signal.SIGKILL)
                result = {"killed": True, "why": f"ran for more than {timeout:.0f} s"}
            if result is not None:
                os.close(read)
                os.waitpid(pid, 0)
                del running[read]
                results[mutant] = result
                if progress:
                    progress(len(results), len(todo))
    declared = {}
    for number, ex in exercises.items():
        if exercise in (None, number):
            for (line, label), reason in marks(ex.solution).items():
                declared[(number, line, label)] = reason
    survivors = [m for m in todo if not results[m]["killed"]]
    equivalent = [m for m in survivors if (m.number, m.line, m.label) in declared]
    live = [m for m in survivors if (m.number, m.line, m.label) not in declared]
    used = {(m.number, m.line, m.label) for m in equivalent}
    stale = sorted(key for key in declared if key not in used)
    counted = len(todo) - len(equivalent)
    killed = counted - len(live)
    return {
        "section": assignment, "mutants": len(todo), "equivalent": len(equivalent), "killed": killed,
        "score": 100.0 * killed / counted if counted else 100.0,
        "survivors": [(m.number, m.line, m.label, _cell_line(exercises[m.number].solution, m.line))
                      for m in live],
        "stale_marks": stale, "reference_failures": reference_failures,
    }


def _cell_line(solution_source, line):
    return solution_source.split("\n")[line - 1].strip()


def format_report(report, threshold=THRESHOLD):
    lines = [f"{report['section']}: {report['killed']} of {report['mutants'] - report['equivalent']} mutants "
             f"killed ({report['score']:.1f}%), {report['equivalent']} marked equivalent"
             + ("" if report["score"] >= threshold else f"  BELOW {threshold:g}%")]
    for number, failure in sorted(report["reference_failures"].items()):
        lines.append(f"  ex{number}: the reference solution fails its own tests: {failure.splitlines()[-1]}")
    for number, line, label, text in report["survivors"]:
        lines.append(f"  survived ex{number} line {line}: {label}    {text}")
    for number, line, label in report["stale_marks"]:
        lines.append(f"  ex{number} line {line}: marked equivalent, but no surviving mutant is {label}")
    return "\n".join(lines)


def passed(report, threshold=THRESHOLD):
    return report["score"] >= threshold and not report["stale_marks"] and not report["reference_failures"]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./course mutants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sections", nargs="*", help="sections, e.g. 01_tensors or 01 (default: all)")
    parser.add_argument("--exercise", help="only this exercise number, e.g. 03")
    parser.add_argument("--threshold", type=float, default=THRESHOLD, help="the lowest score that passes (%%)")
    parser.add_argument("--jobs", type=int, default=None, help="mutants run at once (default: the cores)")
    parser.add_argument("--timeout", type=float, default=TIMEOUT, help="seconds per mutant")
    parser.add_argument("--json", help="also write the reports to this file")
    args = parser.parse_args(argv)
    sections = []
    for name in args.sections or course.ASSIGNMENTS:
        matches = [a for a in course.ASSIGNMENTS if a == name or a.split("_")[0] == name]
        if not matches:
            parser.error(f"no section {name!r}; sections: {', '.join(course.ASSIGNMENTS)}")
        sections += matches
    reports, ok, started = [], True, time.monotonic()
    for section in sections:
        # One process per section: its notebook's state never leaks into the next section's mutants.
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            report = run_section(section, args.exercise, args.jobs, args.timeout)
            os.write(write, json.dumps(report).encode())
            os._exit(0)
        os.close(write)
        with os.fdopen(read, "rb") as f:
            data = f.read()
        os.waitpid(pid, 0)
        report = json.loads(data)
        reports.append(report)
        print(format_report(report, args.threshold), flush=True)
        ok = ok and passed(report, args.threshold)
    total = sum(r["mutants"] - r["equivalent"] for r in reports)
    killed = sum(r["killed"] for r in reports)
    print(f"All: {killed} of {total} mutants killed ({100.0 * killed / max(total, 1):.1f}%) "
          f"in {time.monotonic() - started:.0f} s.")
    if args.json:
        Path(args.json).write_text(json.dumps(reports, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
