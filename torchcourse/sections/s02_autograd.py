"""Section 2, Autograd: the checks its test cells call, and the drawing of its figures.

Each check takes the learner's function (or what it returned) as an argument
and fails with the message and hint a test cell would give. The `hint`
functions name the usual cause of a wrong gradient (accumulated, shared,
divided by the number of elements).
"""

import torch
from torch.autograd.gradcheck import GradcheckError

from torchcourse import check

# ---------------------------------------------------------------------------------------------------------
# Exercise 1: make_parameter


def check_leaf(p, expected, name):
    """`p` equals `expected`, requires grad and is a leaf."""
    __tracebackhide__ = True
    check.close(p, expected, name)
    check.that(p.requires_grad, name, "expected requires_grad=True, found False. Hint: call .requires_grad_() on "
               "the result.")
    check.that(p.is_leaf, name,
               f"expected a leaf tensor, found one made by {type(p.grad_fn).__name__}. Hint: an operation on a tensor "
               "that already requires grad is recorded and its result is not a leaf: do the arithmetic first, then "
               "call .requires_grad_().")


def check_values_unchanged(values):
    """The example's `values`, tensor([1, 2, 3]), after the call: unchanged, and not requiring grad."""
    __tracebackhide__ = True
    check.that(values.requires_grad is False and values.tolist() == [1, 2, 3], "values after the call",
               f"expected tensor([1, 2, 3]) without requires_grad, found {values}. Hint: work on a new tensor.")


# ---------------------------------------------------------------------------------------------------------
# The caller's tensor: exercises 2, 3 and 4 must leave it as it was.


def as_caller_tensor(t, parameter, seed):
    """t as the caller hands it over: a plain tensor, or a parameter that requires grad with a .grad of its own."""
    if not parameter:
        return t, None
    t.requires_grad_()
    t.grad = check.random_tensor(t.shape, seed + 99, t.dtype)
    return t, t.grad.clone()


def check_caller_tensor(t, original, grad_before, requires_grad_before, name):
    """The caller's tensor after the call: the same values, requires_grad and .grad as before."""
    __tracebackhide__ = True
    check.equal(t.detach(), original, f"{name} after the call", "do not change the input.")
    check.that(t.requires_grad is requires_grad_before, f"{name} after the call",
               f"expected requires_grad={requires_grad_before}, found {t.requires_grad}. Hint: work on a leaf of "
               "your own, made with .detach() (and .requires_grad_()); leave the caller's tensor as it is.")
    if grad_before is None:
        check.that(t.grad is None, f"{name}.grad after the call", f"expected None, found {t.grad}. Hint: "
                   "backward through the caller's tensor fills its .grad: differentiate with respect to a leaf of "
                   "your own, made with .detach().requires_grad_().")
    else:
        check.equal(t.grad, grad_before, f"{name}.grad after the call",
                    "the caller's tensor may be a parameter whose .grad is in use: backward through it adds to "
                    "its .grad; differentiate with respect to a leaf of your own, made with .detach().")


def check_grad_not_requested(t, name, fix):
    """The caller's tensor `t` still does not require grad; `fix` says how to work on a leaf of one's own."""
    __tracebackhide__ = True
    check.that(t.requires_grad is False, f"{name} after the call",
               f"expected requires_grad=False, found True. Hint: do not change the caller's tensor; {fix}")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: gradients_at


def accumulation_hint(found, expected):
    """Name the usual cause when a result looks like accumulated or shared gradients."""
    if not torch.is_tensor(found) or found.shape != expected.shape:
        return None
    found = found.detach().cpu().to(torch.float64)
    expected = expected.to(torch.float64)
    if torch.allclose(found, expected.cumsum(0)):
        return ("row k is the sum of the gradients at points 0..k: gradients accumulate in x.grad. Zero it "
                "(x.grad.zero_() or x.grad = None) before each backward, or make a fresh leaf for each point.")
    if torch.allclose(found, 2 * expected):
        return ("found 2x the expected gradient: gradients accumulate in .grad from call to call. "
                "Do not set requires_grad on the caller's points; make a fresh leaf inside the function.")
    if len(found) > 1 and bool((found == found[-1]).all()):
        return ("every row is the same: x.grad is one tensor that backward updates in place, so appending it "
                "appends the same tensor each time. Append x.grad.clone(), or set x.grad = None between points.")
    return None


def check_gradients(found, expected, name):
    """gradients_at's result is close to `expected`, with a hint when gradients accumulated or were shared."""
    __tracebackhide__ = True
    check.close(found, expected, name, accumulation_hint(found, expected))


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: derivative


def derivative_hint(found, expected):
    """Name the usual cause of a wrong derivative."""
    if not torch.is_tensor(found) or found.shape != expected.shape or expected.numel() < 2:
        return None
    found = found.detach().cpu().to(torch.float64)
    expected = expected.to(torch.float64)
    if torch.allclose(found * expected.numel(), expected):
        return (f"found the derivative divided by {expected.numel()}, the number of elements: "
                "mean() divides by it; reduce with sum(), or pass gradient=torch.ones_like(y).")
    if torch.allclose(found, 2 * expected):
        return ("found 2x the expected derivative: gradients accumulate in x.grad from call to call. "
                "Do not call requires_grad_() on the caller's x; "
                "make a fresh leaf, x.detach().clone().requires_grad_().")
    return None


def check_derivative(found, expected, name):
    """derivative's result is close to `expected`, with a hint when it was averaged or accumulated."""
    __tracebackhide__ = True
    check.close(found, expected, name, derivative_hint(found, expected))


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: two_gradients


def check_called_once(calls, name):
    """The forward pass was called exactly once."""
    __tracebackhide__ = True
    check.that(len(calls) == 1, name,
               f"expected forward to be called once, found {len(calls)} calls. Hint: reuse h for both losses, "
               "with backward(retain_graph=True) the first time.")


def two_gradients_hint(grad_a, grad_b, expected_a, expected_b):
    """Name the usual cause when grad_b is wrong."""
    if not (torch.is_tensor(grad_a) and torch.is_tensor(grad_b)) or grad_b.shape != expected_b.shape:
        return None
    both = (expected_a + expected_b).to(torch.float64)
    if grad_a.shape == both.shape and torch.allclose(grad_a.detach().cpu().to(torch.float64), both):
        return ("grad_a is the gradient of loss_a + loss_b: one backward of a sum gives the sum of the gradients. "
                "Call backward on each loss (retain_graph=True the first time) and keep the results apart.")
    if grad_a is grad_b or torch.equal(grad_a, grad_b):
        return ("grad_a and grad_b are the same: x.grad is one tensor that backward updates in place. "
                "Keep grad_a = x.grad.clone(), or set x.grad = None before the second backward.")
    if torch.allclose(grad_b.detach().cpu().to(torch.float64), both):
        return ("grad_b is grad_a plus the gradient of loss_b: gradients accumulate. "
                "Set x.grad = None (or zero it) between the two backward calls.")
    return None


def check_two_gradients(grad_a, grad_b, expected_a, expected_b):
    """grad_a and grad_b are close to the gradients of h.sum() and (h ** 2).sum()."""
    __tracebackhide__ = True
    check.close(grad_a, expected_a, "grad_a (gradient of h.sum())",
                two_gradients_hint(grad_a, grad_b, expected_a, expected_b))
    check.close(grad_b, expected_b, "grad_b (gradient of (h ** 2).sum())",
                two_gradients_hint(grad_a, grad_b, expected_a, expected_b))


# ---------------------------------------------------------------------------------------------------------
# Gradient recording after the call (exercises 5 and 7). The grad_mode_after_* functions run where the
# learner's code runs (check.in_learner), since recording is the learner's process's state.


def grad_mode_after_sgd_step(sgd_step):
    """One sgd_step; is gradient recording still on afterwards?"""
    w = torch.ones(2, requires_grad=True)
    (w * w).sum().backward()
    try:
        sgd_step([w], 0.1)
        return torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


def grad_mode_after_fit_line(fit_line):
    """One fit_line; is gradient recording still on afterwards?"""
    try:
        fit_line(torch.tensor([0.0, 1.0, 2.0]), torch.tensor([1.0, 3.0, 5.0]), 0.1, 2)
        return torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


def check_recording_on(recording, call):
    """Gradient recording was on after `call`, as before it."""
    __tracebackhide__ = True
    check.that(recording is True, f"torch.is_grad_enabled() after {call}",
               f"expected True (recording on, as before the call), found {recording}. Hint: update inside "
               "`with torch.no_grad():`, which switches recording back on when the block ends.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 5: sgd_step


def check_returns_none(returned, params):
    """sgd_step(params, 0.1) returned None and left a list of two tensors."""
    __tracebackhide__ = True
    check.that(returned is None, "sgd_step(params, 0.1)", f"expected None, found {type(returned).__name__}. "
               "Hint: update the tensors in params in place and return nothing.")
    check.that(len(params) == 2, "params after sgd_step", f"expected a list of 2 tensors, found {len(params)} items.")


def check_parameter(p, original, expected, name):
    """`p` is the tensor `original`, updated in place to `expected`, still a leaf, its gradient cleared."""
    __tracebackhide__ = True
    grad_fn = getattr(p, "grad_fn", None)
    made = f"made by {type(grad_fn).__name__}" if grad_fn is not None else "with no grad_fn"
    check.that(p is original, name,
               f"expected the same tensor object, found a new one ({made}). "
               "Hint: update each tensor in place (p -= ... inside torch.no_grad()), do not replace it.")
    check.close(p, expected, name, "update in place: p = p - ... only rebinds a name and leaves the tensor as it was.")
    check.that(p.is_leaf and p.requires_grad, name,
               f"expected a leaf that requires grad, found is_leaf={p.is_leaf}, requires_grad={p.requires_grad}.")
    check.that(p.grad is None or not bool(p.grad.any()), f"the .grad of {name}",
               f"expected None or zeros, found {p.grad}. Hint: gradients accumulate; clear them after the update "
               "(p.grad = None or p.grad.zero_()).")


def check_parameters(params, originals, expected, when, names=("w", "b")):
    """params[i] (names[i]) is originals[i], updated in place to expected[i] (a number or a list of numbers)."""
    __tracebackhide__ = True
    for i, (original, value, label) in enumerate(zip(originals, expected, names)):
        check_parameter(params[i], original, torch.tensor(value), f"params[{i}] ({label}) {when}")


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: silu_grad

SILU_HINT = ("silu(x) = x * sigmoid(x) is a product: apply the product rule, (u v)' = u' v + u v', "
             "with sigmoid'(x) = sigmoid(x) * (1 - sigmoid(x)).")


def autograd_silu_grad(x):
    """silu'(x) from autograd."""
    leaf = x.detach().clone().requires_grad_()
    (leaf * torch.sigmoid(leaf)).sum().backward()
    return leaf.grad


def silu_function(silu_grad):
    """A torch.autograd.Function: silu, with silu_grad as its backward."""

    class SiLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * torch.sigmoid(x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * silu_grad(x)

    return SiLU


def run_gradcheck(silu_grad, x, name):
    """torch.autograd.gradcheck of silu with silu_grad as its backward, at x (float64)."""
    __tracebackhide__ = True
    try:
        torch.autograd.gradcheck(silu_function(silu_grad).apply, (x.detach().clone().requires_grad_(),))
    except GradcheckError as error:
        check.that(False, name, f"gradcheck failed: {error} Hint: {SILU_HINT}")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: fit_line


def descend(x, y, lr, num_steps, accumulate=False):
    """Gradient descent with the gradients written out, in plain Python floats (no autograd)."""
    xs, ys = x.tolist(), y.tolist()
    n = len(xs)
    w = b = gw = gb = 0.0
    for _ in range(num_steps):
        errors = [w * xi + b - yi for xi, yi in zip(xs, ys)]
        step_w = 2 * sum(e * xi for e, xi in zip(errors, xs)) / n
        step_b = 2 * sum(errors) / n
        gw, gb = (gw + step_w, gb + step_b) if accumulate else (step_w, step_b)
        w, b = w - lr * gw, b - lr * gb
    return w, b


def check_fit(fit_line, x, y, lr, num_steps, name, atol=1e-5):
    """fit_line(x, y, lr, num_steps) gives 0-dimensional w and b of x's dtype, equal to plain gradient descent's."""
    __tracebackhide__ = True
    where = f"{name}: fit_line(x, y, lr={lr}, num_steps={num_steps})"
    w, b = check.pair(fit_line(x, y, lr, num_steps), where)
    for value, label in [(w, "w"), (b, "b")]:
        check.shape(value, (), f"{label} of {where}", "w and b are 0-dimensional: torch.zeros(()) or torch.tensor(0.).")
        check.dtype(value, x.dtype, f"{label} of {where}", f"create w and b with dtype=x.dtype ({x.dtype}).")
        check.that(value.requires_grad is False, f"{label} of {where}",
                   "expected a tensor that does not require grad, found requires_grad=True. Hint: return w.detach().")
    want_w, want_b = descend(x, y, lr, num_steps)
    hint = "each step: loss = mean((w * x + b - y) ** 2), loss.backward(), update inside torch.no_grad(), clear grads."
    if num_steps > 1:
        acc_w, acc_b = descend(x, y, lr, num_steps, accumulate=True)
        if abs(w.item() - acc_w) < 1e-4 * (1 + abs(acc_w)) and abs(b.item() - acc_b) < 1e-4 * (1 + abs(acc_b)):
            hint = ("these are the values you get when the gradients are never cleared: gradients accumulate. "
                    "Set w.grad = None and b.grad = None (or zero them) after each update.")
    check.close(w, torch.tensor(want_w, dtype=x.dtype), f"w of {where}", hint, atol=atol)
    check.close(b, torch.tensor(want_b, dtype=x.dtype), f"b of {where}", hint, atol=atol)
    return w, b


def least_squares(x, y):
    """The best (w, b) for y = w * x + b, by torch.linalg.lstsq, as a tensor of two numbers."""
    A = torch.stack([x, torch.ones_like(x)], dim=1)
    return torch.linalg.lstsq(A, y.unsqueeze(1)).solution.squeeze(1)


# ---------------------------------------------------------------------------------------------------------
# Figures


def _graph_of(output):
    """Nodes and links that autograd recorded for `output`, with each node's distance from the output."""
    depth, links, todo = {output.grad_fn: 0}, set(), [output.grad_fn]
    while todo:
        node = todo.pop()
        for child, _ in node.next_functions:
            if child is None:  # an input that does not require grad
                continue
            links.add((node, child))
            if depth.get(child, -1) < depth[node] + 1:
                depth[child] = depth[node] + 1
                todo.append(child)
    return depth, links


def _draw_graph(output, names, ax, title):
    """Draw the graph of `output`: a box per node, an arrow per link, in the order backward() follows them."""
    depth, links = _graph_of(output)
    deepest = max(depth.values())
    where = {output.grad_fn: (deepest, 0.0)}
    for d in range(1, deepest + 1):    # place each level in the order of its parents, to avoid crossings
        level = [node for node in depth if depth[node] == d]
        level.sort(key=lambda node: -sum(where[p][1] for p, c in links if c is node and p in where)
                   / sum(1 for p, c in links if c is node and p in where))
        for i, node in enumerate(level):
            where[node] = (deepest - d, (len(level) - 1) / 2 - i)
    label_of = {id(tensor): name for name, tensor in names.items()}
    boxes = {}
    for node, (px, py) in where.items():
        label = type(node).__name__
        leaf = label == "AccumulateGrad"
        if leaf:
            label = f"{label_of.get(id(node.variable), '?')} (leaf)\nAccumulateGrad"
        boxes[node] = ax.text(px, py, label, ha="center", va="center", fontsize=8,
                              bbox=dict(boxstyle="round", facecolor="lightyellow" if leaf else "lightblue"))
    for parent, child in links:
        ax.annotate("", xy=where[child], xytext=where[parent],
                    arrowprops=dict(arrowstyle="-|>", color="gray", shrinkA=1, shrinkB=1,
                                    patchA=boxes[parent].get_bbox_patch(), patchB=boxes[child].get_bbox_patch()))
    ax.set_xlim(-0.6, deepest + 0.6)
    ax.set_ylim(-1.2, 1.2)
    ax.set_title(title, fontsize=10)
    ax.axis("off")


def draw_graphs(graphs):
    """Draw the graphs autograd recorded, side by side: {title: (output, {leaf's name: leaf})}.

    Each is walked from the output's grad_fn along next_functions, as backward() does: one box per node, one
    arrow per link, from the output on the right back to the leaves on the left.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(graphs), figsize=(5.5 * len(graphs), 2.8), squeeze=False)
    for ax, (title, (output, names)) in zip(axes[0], graphs.items()):
        _draw_graph(output, names, ax, title)
    plt.tight_layout()
    plt.show()


def plot_finite_differences(f, grid, autograd_slope, finite_slope, h):
    """Left: f, its derivative from autograd, finite differences with step h. Right: their error against h."""
    import matplotlib.pyplot as plt

    steps = torch.logspace(-9, -1, 33, dtype=torch.float64)
    errors = {}
    for dtype in [torch.float32, torch.float64]:
        g = grid.to(dtype)
        errors[dtype] = [((f(g + step) - f(g - step)) / (2 * step) - autograd_slope.to(dtype)).abs().max().item()
                         for step in steps.tolist()]

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.4))
    axes[0].plot(grid, f(grid), label="f(x) = sin(2x) exp(-x²/4)")
    axes[0].plot(grid, autograd_slope, label="f'(x) from autograd")
    label = f"finite differences, h = {h:.0e}".replace("e-0", "e-")  # 1e-4, not 1e-04
    axes[0].plot(grid[::8], finite_slope[::8], "o", markersize=4, label=label)
    axes[0].set_xlabel("x")
    axes[0].legend(fontsize=8)
    axes[0].set_title("autograd agrees with measured slopes")
    for dtype, marker in [(torch.float32, "s-"), (torch.float64, "o-")]:
        axes[1].loglog(steps, errors[dtype], marker, markersize=3, label=str(dtype))
    axes[1].set_xlabel("step h")
    axes[1].set_ylabel("largest error")
    axes[1].legend(fontsize=8)
    axes[1].set_title("finite-difference error vs h")
    plt.tight_layout()
    plt.show()


def plot_descent_step(xs, ys, start, after, best, lr):
    """One gradient-descent step for a line: the lines, and the step on the loss surface.

    start is (w, b, dL/dw, dL/db) before the step, after is (w, b) after it, best is least squares' (w, b).
    """
    import matplotlib.pyplot as plt

    W, B = torch.meshgrid(torch.linspace(-0.5, 3, 80), torch.linspace(-0.5, 2, 80), indexing="ij")
    surface = ((W.unsqueeze(-1) * xs + B.unsqueeze(-1) - ys) ** 2).mean(-1)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    axes[0].plot(xs, ys, "o", label="data")
    for (lw, lb), style, label in [((start[0], start[1]), ":", "start"), (after, "--", "after one step"),
                                   (best, "-", "least squares")]:
        axes[0].plot(xs, lw * xs + lb, style, label=f"{label}: w={lw:.2f}, b={lb:.2f}")
    axes[0].set_xlabel("x")
    axes[0].set_ylabel("y")
    axes[0].legend(fontsize=8)
    axes[0].set_title("the line")
    axes[1].contour(W, B, surface, levels=20, cmap="viridis")
    axes[1].annotate("", xy=after, xytext=(start[0], start[1]), arrowprops=dict(arrowstyle="-|>", color="red"))
    axes[1].plot([start[0]], [start[1]], "ro", label="start")
    axes[1].plot([best[0]], [best[1]], "k*", markersize=10, label="least squares")
    axes[1].set_xlabel("w")
    axes[1].set_ylabel("b")
    axes[1].legend(fontsize=8)
    axes[1].set_title(f"one step: (w, b) -= {lr} * gradient ({start[2]:.2f}, {start[3]:.2f})")
    plt.tight_layout()
    plt.show()
