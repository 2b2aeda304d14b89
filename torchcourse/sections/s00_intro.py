"""Section 0, Introduction: the checks its visible test cells call, and the drawing of its figures.

Each check takes the learner's function (or class, or what it returned) as an
argument and fails with the message and hint a test cell would give.
"""

import numpy as np
import torch

from torchcourse import check

# ---------------------------------------------------------------------------------------------------------
# Exercise 1: make_batches


def _batches_hint(items, batch_size, drop_last):
    """The usual mistake behind a wrong result for these arguments."""
    if not drop_last:
        return "keep the smaller last batch when drop_last is False: len(items) // batch_size batches are not enough."
    if len(items) % batch_size:
        return "with drop_last=True, leave out a last batch that is smaller than batch_size."
    return "drop_last only drops a batch that is smaller than batch_size; here every batch is full."


def check_batches(make_batches, items, batch_size, expected, **kwargs):
    """make_batches(items, batch_size, **kwargs) gives `expected`, a list of lists, and leaves `items` as it was."""
    __tracebackhide__ = True
    args = (items, batch_size)
    call = f"make_batches({', '.join(map(repr, args))}{''.join(f', {k}={v!r}' for k, v in kwargs.items())})"
    given = list(items)
    result = make_batches(given, batch_size, **kwargs)
    check.that(type(result) is list and all(type(batch) is list for batch in result), call,
               f"expected a list of lists, found {type(result).__name__} {result!r:.80}. "
               "Hint: build the batches in a list and return it (a generator or a tuple is not a list).")
    hint = _batches_hint(items, batch_size, kwargs.get("drop_last", False))
    check.that(result == expected, call, f"expected {expected}, found {result}. Hint: {hint}")
    check.that(given == items, "items after the call",
               f"expected {items}, found {given}. Hint: the input list must not be changed; slice it, do not pop.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: RunningMean


def check_empty_mean(meter):
    """A new RunningMean's mean() is 0.0."""
    __tracebackhide__ = True
    check.number(meter.mean(), 0.0, "RunningMean().mean()",
                 "before any update there is nothing to average: return 0.0.")


def check_example_mean(meter):
    """The prompt's example: after update(2.0, n=3) and update(4.0, n=1), count is the int 4 and mean() is 2.5."""
    __tracebackhide__ = True
    check.that(type(meter.count) is int, "RunningMean().count",
               f"expected a Python int, found {type(meter.count).__name__}. "
               "Hint: start counting samples at 0, not 0.0.")
    check.number(meter.count, 4, "count after update(2.0, n=3) and update(4.0, n=1)",
                 "count samples, not batches: add n on every update.", kind=int)
    check.number(meter.mean(), 2.5, "mean() after update(2.0, n=3) and update(4.0, n=1)",
                 "weight each batch's mean by its number of samples n; the mean of the batch means is 3.0.")


def check_independent_means(meter, other):
    """`other`, updated with 10.0 after `meter` saw the example, has mean 10.0, and `meter` still 2.5."""
    __tracebackhide__ = True
    check.number(other.mean(), 10.0, "a second RunningMean after update(10.0)",
                 "each instance needs its own numbers: set them on self in __init__, not as class attributes, "
                 "which all instances share.")
    check.number(meter.mean(), 2.5, "the first RunningMean after the second was updated",
                 "each instance needs its own numbers: set them on self in __init__.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: standardize


def check_standardized(standardize, features, expected):
    """standardize(features) is a new array close to `expected`, without nan, and `features` is unchanged."""
    __tracebackhide__ = True
    original = features.copy()
    result = standardize(features)
    check.that(type(result) is np.ndarray, "standardize(features)",
               f"expected a numpy.ndarray, found {type(result).__name__}. "
               "Hint: a list (from .tolist() or a comprehension) is not an array; compute with arrays and return one.")
    shape = np.shape(expected)
    check.that(result.shape == shape, "standardize(features)", f"expected shape {shape}, found {result.shape}.")
    check.that(not np.isnan(result).any(), "standardize(features)",
               f"found nan in column(s) {sorted(set(np.nonzero(np.isnan(result))[1].tolist()))}. Hint: a constant "
               "column has standard deviation 0 and 0 / 0 is nan; use a boolean mask (std < 1e-8) to divide by 1 "
               "there instead.")
    check.close(torch.from_numpy(result), torch.tensor(expected, dtype=torch.float64),
                "standardize(features)", "reduce along axis=0 (one mean and one std per column), and use np.std's "
                "default ddof=0 (ddof=1 gives +-0.7071 here); divide by the std itself, with no epsilon added.",
                atol=1e-9, rtol=1e-9)
    check.that(np.array_equal(features, original), "features after the call",
               "the input must not be changed: features -= ... works in place; "
               "write features - ... to get a new array.")


def check_tenths(standardize, tenths):
    """standardize(tenths), whose first column is 0.1 three times and second 1, 2, 3: zeros, then +-sqrt(1.5)."""
    __tracebackhide__ = True
    result = standardize(tenths)
    check.that(type(result) is np.ndarray and result.shape == (3, 2), "standardize(tenths)",
               f"expected a numpy.ndarray of shape (3, 2), found {type(result).__name__} "
               f"{getattr(result, 'shape', '')}.")
    check.close(torch.from_numpy(np.ascontiguousarray(result[:, 0])), torch.zeros(3, dtype=torch.float64),
                "standardize(tenths)[:, 0], a constant column of 0.1s",
                "its std is not exactly 0 in floating point (about 1.4e-17): treat a std below 1e-8 as 0, "
                "e.g. with a mask std < 1e-8, rather than std == 0.", atol=1e-9, rtol=0)
    check.close(torch.from_numpy(np.ascontiguousarray(result[:, 1])),
                torch.tensor([-1.0, 0.0, 1.0], dtype=torch.float64) * 1.5 ** 0.5,
                "standardize(tenths)[:, 1]", atol=1e-9, rtol=1e-9)


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: order_steps

# The steps of the training procedure, in alphabetical order, as the notebook prints them.
STEPS = ["backward pass", "compute loss", "define loss function", "define network", "define optimizer",
         "forward pass", "load data", "test", "update parameters", "validate", "zero gradients"]

NEEDS = {  # (before, after): why `before` must come first
    ("load data", "forward pass"): "the forward pass needs a batch x from the loader.",
    ("define network", "forward pass"): "pred = model(x) needs the model.",
    ("define network", "define optimizer"): "the optimizer is built from model.parameters().",
    ("define loss function", "compute loss"): "loss_fn(pred, y) needs loss_fn.",
    ("define optimizer", "zero gradients"): "optimizer.zero_grad() needs the optimizer.",
    ("forward pass", "compute loss"): "the loss compares the predictions pred with y.",
    ("compute loss", "backward pass"): "loss.backward() needs the loss.",
    ("zero gradients", "backward pass"): "zero the old gradients before backward() adds the new ones; "
                                         "zeroing after backward() throws the new gradients away.",
    ("backward pass", "update parameters"): "optimizer.step() uses the gradients that backward() computed.",
    ("update parameters", "validate"): "validation measures the model after it has trained.",
    ("validate", "test"): "the test set is used once, at the very end.",
}


def _before():
    """Every (first, last) pair of steps where first must come before last, with the reason."""
    before = dict(NEEDS)
    names = sorted({name for pair in NEEDS for name in pair})
    for middle in names:  # a before b, and b before c, means a before c
        for first in names:
            for last in names:
                if (first, middle) in before and (middle, last) in before and (first, last) not in before:
                    before[(first, last)] = f"{first!r} comes before {middle!r}, which comes before {last!r}."
    return before


def check_order(order_steps, steps):
    """order_steps(steps) is a new list of the same names, every step after the steps it needs; steps unchanged."""
    __tracebackhide__ = True
    before = _before()
    given_steps = list(steps)
    result = order_steps(given_steps)
    call = f"order_steps({steps})"
    check.that(type(result) is list, call, f"expected a list, found {type(result).__name__}. "
               "Hint: list.sort() sorts in place and returns None; sorted(...) returns a new list.")
    check.that(sorted(result) == sorted(steps), call,
               f"expected the same names as given, each once, found {result}.")
    check.that(given_steps == steps, "steps after the call", "the input list must not be changed: use sorted().")
    for i, later in enumerate(result):
        for earlier in result[i + 1:]:
            check.that((earlier, later) not in before, call,
                       f"found {result}: {later!r} comes before {earlier!r}, but {before.get((earlier, later))}")


# ---------------------------------------------------------------------------------------------------------
# Exercise 5: pick_device

DEVICE_HINTS = {  # (prefer, cuda_available, mps_available): the rule these arguments test
    ("auto", True, False): "cuda_available=True was passed: CUDA is available.",
    ("auto", False, True): "with no CUDA, auto falls back to MPS when it is available.",
    ("auto", False, False): "with no accelerator, auto gives the CPU.",
    ("cuda", False, False): "prefer='cuda' falls back to the CPU when CUDA is not available.",
    ("mps", True, True): "prefer='mps' asks for MPS, even when CUDA is there too.",
    ("cpu", True, True): "prefer='cpu' always gives the CPU.",
}


def check_device(pick_device, prefer, cuda_flag, mps_flag, expected):
    """pick_device(prefer, cuda_available=cuda_flag, mps_available=mps_flag) is torch.device(expected)."""
    __tracebackhide__ = True
    call = f"pick_device({prefer!r}, cuda_available={cuda_flag}, mps_available={mps_flag})"
    found = pick_device(prefer, cuda_available=cuda_flag, mps_available=mps_flag)
    check.that(type(found) is torch.device, call,
               f"expected a torch.device, found {type(found).__name__} {found!r}. "
               f"Hint: return torch.device({expected!r}), not the string.")
    check.that(found.type == expected and found.index in (None, 0), call,
               f"expected device {expected}, found {found}. Hint: {DEVICE_HINTS[(prefer, cuda_flag, mps_flag)]} "
               "(The flags say what is available; ask torch only when a flag is None.)")


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: max_forms


def check_max_forms(max_forms, x, largest, row_values, row_indices, clipped):
    """max_forms(x) is the tuple (largest, row_values, row_indices, clipped), and x is unchanged."""
    __tracebackhide__ = True
    original = x.clone()
    result = max_forms(x)
    check.that(type(result) is tuple and len(result) == 4, "max_forms(x)",
               f"expected a tuple of four values (largest, row_values, row_indices, clipped), found "
               f"{type(result).__name__}" + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
               + ".")
    found_largest, found_values, found_indices, found_clipped = result
    check.equal(found_largest, largest, "largest", "torch.max(x) with no other argument is the largest element.")
    check.shape(found_values, row_values.shape, "row_values",
                "one maximum per row: reduce along dim=1 (dim=0 gives one per column).")
    check.dtype(found_indices, torch.int64, "row_indices",
                "the indices are the second field of torch.max(x, dim=1): result.indices or result[1]; "
                "result[0] is the values.")
    check.that(type(found_clipped).__module__ != "torch.return_types", "clipped",
               f"expected a tensor, found {type(found_clipped).__module__}.{type(found_clipped).__name__}, the "
               "(values, indices) of a reduction. Hint: an int second argument is a dim: torch.max(x, 0) reduces "
               "along dim 0; compare with a tensor of zeros instead.")
    check.shape(found_clipped, clipped.shape, "clipped",
                "the element-wise form keeps x's shape: torch.max(x, other) with a tensor other.")
    check.equal(found_values, row_values, "row_values",
                "one maximum per row: reduce along dim=1 (dim=0 gives one per column).")
    check.equal(found_indices, row_indices, "row_indices",
                "torch.max(x, dim=1) returns (values, indices); the indices are the second field.")
    check.equal(found_clipped, clipped, "clipped",
                "the element-wise form needs a tensor as its second argument: an int is read as a dim.")
    check.equal(x, original, "x after the call",
                "the input must not be changed: avoid in-place methods such as clamp_.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: make_tensor


def check_full(t, expected, call):
    """`t`, from the prompt's example call, equals `expected`, shape and dtype first."""
    __tracebackhide__ = True
    check.shape(t, expected.shape, call)
    check.dtype(t, expected.dtype, call, "pass dtype=dtype by keyword (left out, torch.full infers int64 from the "
                "value 7).")
    check.equal(t, expected, call)


def check_on_meta(t, shape, dtype, call):
    """`t`, made on the meta device, has this shape and dtype and is on the meta device."""
    __tracebackhide__ = True
    check.shape(t, shape, call)
    check.dtype(t, dtype, call)
    check.that(t.device.type == "meta", call, f"expected device meta, found {t.device}. "
               "Hint: pass device=device by keyword.")


def check_on_device(t, device, expected, call):
    """`t`, made on the notebook's `device`, is there and equals `expected`."""
    __tracebackhide__ = True
    check.that(t.device.type == device.type, call, f"expected device {device}, found {t.device}.")
    check.equal(t, expected, call)


# ---------------------------------------------------------------------------------------------------------
# Figures


def draw_training_loop():
    """The DNN training procedure: four set-up steps, then train and validate every epoch, then test once."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    fig, ax = plt.subplots(figsize=(11, 5))
    ax.set_xlim(0, 11)
    ax.set_ylim(-0.3, 5)
    ax.axis("off")

    def box(x0, y0, width, height, title, code, color):
        ax.add_patch(FancyBboxPatch((x0, y0), width, height, boxstyle="round,pad=0.05", facecolor=color,
                                    edgecolor="black"))
        ax.text(x0 + width / 2, y0 + height - 0.12, title, ha="center", va="top", fontsize=10, fontweight="bold")
        ax.text(x0 + 0.12, y0 + height - 0.5, code, ha="left", va="top", fontsize=7.5, family="monospace")

    def arrow(start, end):
        ax.annotate("", xy=end, xytext=start, arrowprops=dict(arrowstyle="-|>", lw=1.5, color="black"))

    setup_color, loop_color, test_color = "#dbe9f6", "#fde8c8", "#d9f0d3"
    box(0.1, 3.7, 2.4, 1.1, "1. load data", "Dataset, DataLoader:\ntrain_loader, val_loader,\ntest_loader", setup_color)
    box(2.9, 3.7, 2.4, 1.1, "2. define network", "model = MyModel()\nmodel.to(device)", setup_color)
    box(5.7, 3.7, 2.4, 1.1, "3. define loss function", "loss_fn = nn.MSELoss()", setup_color)
    box(8.5, 3.7, 2.4, 1.1, "4. define optimizer", "optimizer = torch.optim.SGD(\n    model.parameters(), lr)",
        setup_color)
    for x0 in (2.55, 5.35, 8.15):
        arrow((x0, 4.25), (x0 + 0.3, 4.25))
    ax.add_patch(FancyBboxPatch((0.1, 0.0), 8.1, 3.15, boxstyle="round,pad=0.05", facecolor="none",
                                edgecolor="gray", linestyle="--"))
    ax.text(0.2, 3.1, "for epoch in range(num_epochs):", fontsize=9, family="monospace", color="dimgray", va="top")
    box(0.35, 0.55, 4.4, 2.1, "5. train (one epoch)",
        "model.train()\nfor x, y in train_loader:\n"
        "    optimizer.zero_grad()    # zero gradients\n"
        "    pred = model(x)          # forward pass\n"
        "    loss = loss_fn(pred, y)  # compute loss\n"
        "    loss.backward()          # backward pass\n"
        "    optimizer.step()         # update parameters", loop_color)
    box(5.25, 0.55, 2.7, 2.1, "6. validate",
        "model.eval()\nwith torch.no_grad():\n    loss on val_loader\nkeep the best model", loop_color)
    box(8.6, 0.55, 2.3, 2.1, "7. test", "once, at the end:\npredict on test_loader", test_color)
    arrow((9.7, 3.65), (2.55, 2.72))
    arrow((4.85, 1.6), (5.15, 1.6))
    arrow((8.25, 1.6), (8.55, 1.6))
    ax.annotate("", xy=(2.55, 0.5), xytext=(6.6, 0.5),
                arrowprops=dict(arrowstyle="-|>", lw=1.5, color="black", connectionstyle="arc3,rad=-0.12"))
    ax.text(4.6, 0.08, "next epoch", ha="center", fontsize=9, color="dimgray")
    ax.set_title("The DNN training procedure", fontsize=12)
    plt.tight_layout()
    plt.show()


def plot_learning_curves(train_losses, val_losses):
    """The mean training and validation loss of each epoch, on a log scale."""
    import matplotlib.pyplot as plt

    epochs = range(1, len(train_losses) + 1)
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.plot(epochs, train_losses, marker="o", label="train")
    ax.plot(epochs, val_losses, marker="s", label="validation")
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean squared error")
    ax.set_yscale("log")
    ax.set_title("Learning curves of the toy model")
    ax.legend()
    plt.tight_layout()
    plt.show()
