"""Section 4, torch.nn: what its notebook's visible test cells call, and the drawing code of its figures.

Each check takes the learner's function or class (or what it returned) as an
argument, fails with the same messages a test cell would, and holds no
reference solution: expected values come from the test cell or from a plainer
route (a formula, a loop in Python floats).
"""

import math

import torch
from torch import nn

from torchcourse import check
from torchcourse.sections.spies import GradModeSpy

# ---------------------------------------------------------------------------------------------------------
# Figures.


def draw_activations(x, curves):
    """The gallery of 4.2: for each name, f(x) and its slope f'(x) (computed by autograd in the notebook)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 3, figsize=(10, 5.2), sharex=True)
    for ax, (name, (y, slope)) in zip(axes.flat, curves.items()):
        ax.plot(x, y, label="f(x)")
        ax.plot(x, slope, "--", label="f'(x) by autograd")
        ax.axhline(0, color="grey", linewidth=0.5)
        ax.set_title(name)
        ax.set_ylim(-1.5, 4)
    for ax in axes[1]:
        ax.set_xlabel("x")
    axes[0, 0].legend(loc="upper left")
    fig.suptitle("Activation functions and their derivatives")
    plt.tight_layout()
    plt.show()


def draw_fit(x, y, before, after, losses):
    """4.9: the data with the model's fit before and after training, and the training loss per step."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.4))
    left.scatter(x.cpu(), y.cpu(), s=8, color="grey", label="data")
    left.plot(x.cpu(), before.cpu(), label="before training")
    left.plot(x.cpu(), after.cpu(), label=f"after {len(losses)} steps")
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.set_title("the model's fit")
    left.legend()
    right.plot(losses)
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("MSE loss (log scale)")
    right.set_title("training loss")
    plt.tight_layout()
    plt.show()


# ---------------------------------------------------------------------------------------------------------
# Exercise 1: linear_shapes.


def _check_shape_tuple(found, expected, name, hint):
    __tracebackhide__ = True
    comma = " Hint: (64) is just the number 64; a tuple of one needs a comma: (64,)." if type(found) is int else ""
    check.that(isinstance(found, tuple) and all(type(n) is int for n in found), name,
               f"expected a tuple of ints such as {expected}, found {type(found).__name__} {found!r}.{comma}")
    check.that(tuple(found) == expected, name, f"expected {expected}, found {tuple(found)}. Hint: {hint}")


def check_linear_shapes(linear_shapes, arguments, expected):
    """linear_shapes(*arguments) must return the three shape tuples `expected`."""
    __tracebackhide__ = True
    in_features, out_features, input_shape = arguments
    call = f"linear_shapes({in_features}, {out_features}, {input_shape})"
    result = linear_shapes(in_features, out_features, input_shape)
    check.that(type(result) is tuple and len(result) == 3, call,
               f"expected a tuple (weight_shape, bias_shape, output_shape), found {result!r:.80}.")
    weight_shape, bias_shape, output_shape = result
    _check_shape_tuple(weight_shape, expected[0], f"the weight shape of {call}",
                       "PyTorch stores a linear layer's weight as (out_features, in_features).")
    _check_shape_tuple(bias_shape, expected[1], f"the bias shape of {call}", "one bias per output feature.")
    _check_shape_tuple(output_shape, expected[2], f"the output shape of {call}",
                       "only the last dimension changes, from in_features to out_features; "
                       "every leading dimension is kept.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: make_mlp.


def mlp_of_linear_relu_linear(make_mlp, sizes):
    """make_mlp(sizes) for three sizes: an nn.Sequential of Linear, ReLU, Linear. Returns it."""
    __tracebackhide__ = True
    call = f"make_mlp({sizes})"
    try:
        model = make_mlp(sizes)
    except TypeError as error:
        check.that(False, call, f"raised TypeError: {error}. Hint: nn.Sequential takes the modules as "
                   "separate arguments: unpack a list with nn.Sequential(*layers).")
    check.that(isinstance(model, nn.Sequential), call,
               f"expected an nn.Sequential, found {type(model).__name__}. "
               "Hint: nn.Sequential(*layers) turns a list of layers into one model.")
    kinds = [type(module).__name__ for module in model]
    check.that(kinds == ["Linear", "ReLU", "Linear"], f"the modules of {call}",
               f"expected ['Linear', 'ReLU', 'Linear'], found {kinds}. "
               "Hint: a ReLU between two linear layers, and none after the last one.")
    return model


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: Regressor.


ONE_PER_SAMPLE_HINT = "one prediction per sample: turn fc2's (B, 1) output into (B,), e.g. with .squeeze(1)."
SQUEEZE_1_HINT = ("squeeze() without a dim also removes the batch dimension when B = 1: squeeze(1) removes only "
                  "dim 1.")


def regressor_with_two_layers(Regressor, in_features, hidden_features):
    """Regressor(in_features, hidden_features): an nn.Module whose parameters are fc1's and fc2's. Returns it."""
    __tracebackhide__ = True
    n, h = in_features, hidden_features
    call = f"Regressor({n}, {h})"
    model = Regressor(n, h)
    check.that(isinstance(model, nn.Module), call,
               f"expected an nn.Module, found {type(model).__name__}. Hint: class Regressor(nn.Module): ...")
    count = sum(p.numel() for p in model.parameters())
    expected = h * n + h + 1 * h + 1
    check.that(count == expected, f"the parameters of {call}",
               f"expected {expected} parameters (fc1: {h}*{n} + {h}, fc2: 1*{h} + 1), found {count}. Hint: create "
               "the layers in __init__, after super().__init__(), as attributes of self (not in a Python list, not "
               "in forward).")
    for name in ["fc1", "fc2"]:
        check.that(isinstance(getattr(model, name, None), nn.Linear), f"model.{name}",
                   f"expected an nn.Linear attribute named {name}, found {type(getattr(model, name, None)).__name__}.")
    check.shape(model.fc1.weight, (h, n), "model.fc1.weight", "fc1 is nn.Linear(in_features, hidden_features).")
    check.shape(model.fc2.weight, (1, h), "model.fc2.weight", "fc2 is nn.Linear(hidden_features, 1).")
    return model


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: count_trainable.

COUNT_HINTS = {
    "count_trainable(Linear(3, 4), ReLU, Linear(4, 2))":
        "a Linear(in, out) has in * out weights and out biases: add up p.numel(), the elements, "
        "not the number of tensors, and visit each parameter once.",
    "count_trainable(Linear(3, 4), BatchNorm1d(4))":
        "batch norm has 4 + 4 parameters; its running statistics are buffers, not parameters: "
        "count model.parameters(), not the state_dict.",
    "count_trainable with the first layer frozen":
        "skip the parameters whose requires_grad is False.",
    "count_trainable with a Linear(4, 4) used twice":
        "a shared layer is trained once, so it counts once; model.parameters() lists each parameter once, "
        "while summing layer by layer counts it twice.",
}


def check_count(count_trainable, model, expected, name):
    """count_trainable(model) must be the Python int `expected`; the hint for `name` is in COUNT_HINTS."""
    __tracebackhide__ = True
    found = count_trainable(model)
    # For a result of the wrong type, check.number's own hint says how to get a Python int.
    check.number(found, expected, name, COUNT_HINTS.get(name) if type(found) is int else None, kind=int)


# ---------------------------------------------------------------------------------------------------------
# Exercise 5: regression_loss.


def check_mean_squared_error(loss, pred, y, expected):
    """loss = regression_loss(pred, y) must be `expected`, not the mean over all B x B pairs that (B, 1) against
    (B,) broadcasts to."""
    __tracebackhide__ = True
    broadcast = ((pred.detach() - y) ** 2).mean().item()
    check.that(abs(loss.item() - broadcast) > 1e-6, "regression_loss(pred, y)",
               f"found {loss.item():.6g}, the mean over all B x B pairs: pred of shape (B, 1) and y of shape (B,) "
               "broadcast to (B, B). Hint: make the shapes equal first, e.g. pred.squeeze(1).")
    check.close(loss, expected, "regression_loss(pred, y)",
                "the mean over the B samples of the squared difference (not the sum, not its square root).")


def check_tracks_gradients(loss):
    """The loss must be part of autograd's graph."""
    __tracebackhide__ = True
    check.that(loss.requires_grad, "regression_loss(pred, y)",
               "the loss does not track gradients, so training could not use it. "
               "Hint: compute it with tensor operations; do not rebuild it from .item().")


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: classification_loss.


def cross_entropy_by_hand(logits, labels, probabilities=False):
    """The mean of logsumexp(z) - z[k], in float64 Python arithmetic (of softmax(z) if probabilities)."""
    total, rows = 0.0, logits.detach().double().tolist()
    for row, label in zip(rows, labels.reshape(-1).tolist()):
        if probabilities:
            top = max(row)
            row = [math.exp(v - top) / sum(math.exp(u - top) for u in row) for v in row]
        top = max(row)
        total += top + math.log(sum(math.exp(v - top) for v in row)) - row[int(label)]
    return torch.tensor(total / len(rows), dtype=torch.float32)


def call_classification_loss(classification_loss, logits, labels, what):
    """classification_loss(logits, labels), with a hint if it raises the errors CrossEntropyLoss raises."""
    __tracebackhide__ = True
    try:
        return classification_loss(logits, labels)
    except (RuntimeError, ValueError, IndexError) as error:
        check.that(False, f"classification_loss with {what}",
                   f"raised {type(error).__name__}: {error} Hint: CrossEntropyLoss needs int64 labels of shape "
                   "(B,): convert with .long() and flatten with .reshape(-1) (squeeze() would drop B = 1 too).")


def check_label_forms(classification_loss, logits, forms):
    """classification_loss(logits, labels) for each (labels, what) in `forms`, the same labels in other forms.

    The expected loss, and the wrong one of softmax first, come from the first form, before any call.
    """
    __tracebackhide__ = True
    expected = cross_entropy_by_hand(logits, forms[0][0])
    softmax_first = cross_entropy_by_hand(logits, forms[0][0], probabilities=True)
    for labels, what in forms:
        loss = call_classification_loss(classification_loss, logits, labels, what)
        check.shape(loss, (), f"classification_loss with {what}", "the loss is the mean over the batch: one number.")
        check.that(abs(loss.item() - softmax_first.item()) > 1e-4, f"classification_loss with {what}",
                   f"found {loss.item():.6g}, the cross-entropy of softmax(logits). Hint: CrossEntropyLoss applies "
                   "log_softmax itself; pass it the raw logits.")
        check.close(loss, expected, f"classification_loss with {what}",
                    "use nn.CrossEntropyLoss on the raw logits (it is log_softmax followed by the negative "
                    "log-likelihood).")
        check.that(loss.requires_grad, f"classification_loss with {what}",
                   "the loss does not track gradients: compute it from logits with torch operations, not from "
                   ".item().")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: predict.


def model_in_training_mode():
    """Linear(3, 4), BatchNorm1d(4), ReLU, Dropout(0.5), Linear(4, 2): seeded weights, batch norm's running
    statistics from a few batches, and in training mode, as it is during training."""
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Dropout(0.5), nn.Linear(4, 2))
    with torch.no_grad():
        for seed, parameter in enumerate(model.parameters()):
            parameter.copy_(check.random_tensor(parameter.shape, seed, low=-1, high=1))
        for seed in range(3):  # some training batches, so that batch norm has running statistics
            model(check.random_tensor((16, 3), 100 + seed, low=-2, high=2))
    model.train()
    return model


def by_hand_in_eval_mode(model, x):
    """model_in_training_mode()'s output for x in evaluation mode, by hand: batch norm uses its running
    statistics and dropout does nothing."""
    first, batch_norm, last = model[0], model[1], model[4]
    running_mean, running_var = batch_norm.running_mean, batch_norm.running_var
    h = (x @ first.weight.T + first.bias - running_mean) / torch.sqrt(running_var + batch_norm.eps)
    return (torch.relu(h * batch_norm.weight + batch_norm.bias) @ last.weight.T + last.bias).detach()


def check_prediction(out, expected):
    """predict(model, x) must give the evaluation-mode output, without tracking gradients."""
    __tracebackhide__ = True
    check.close(out, expected, "predict(model, x)",
                "call model.eval() first: in training mode dropout zeroes random activations and batch norm uses "
                "the batch's own statistics.")
    check.that(not out.requires_grad, "predict(model, x)",
               "the output tracks gradients: compute it inside `with torch.no_grad():` (eval() alone does not turn "
               "gradient tracking off).")


def recording_in_and_after_predict(predict):
    """predict where the learner's code runs: was autograd recording during the forward pass, and after?"""
    spy = GradModeSpy()
    model = nn.Sequential(nn.Linear(3, 4), spy, nn.Dropout(0.5), nn.Linear(4, 2))
    try:
        predict(model, torch.ones(5, 3))
        return list(spy.recording), torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


def check_grad_mode(predict):
    """Autograd must be off during predict's forward pass, and on again after it."""
    __tracebackhide__ = True
    during, after = check.in_learner(recording_in_and_after_predict, predict)
    check.that(len(during) > 0 and not any(during), "gradient recording during the forward pass of predict",
               f"expected off (torch.no_grad()), found {during}. Hint: run the forward pass inside "
               "`with torch.no_grad():`; detaching the output afterwards still records the whole computation.")
    check.that(after is True, "torch.is_grad_enabled() after predict",
               f"expected True (recording on, as before the call), found {after}. Hint: use `with torch.no_grad():`, "
               "which switches recording back on when the block ends; torch.set_grad_enabled(False) on its own does "
               "not.")
