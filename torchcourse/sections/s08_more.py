"""Section 8, more about PyTorch and common errors: what its test cells and figures need.

Checks of the debugging exercises (a predict on the model's device, a convolution
over time, activation memory, predicting in chunks, a loss from float labels, one
sample or a batch, a training loop, predicting in evaluation mode), the spies they
hand to the learner's code, and the drawing code of the section's two figures.
Every helper takes the learner's function as an argument.
"""

import copy
import math

import torch
from torch import nn

from torchcourse import check
from torchcourse.sections.spies import GradModeSpy

# ---------------------------------------------------------------------------------------------------------
# Exercise 1: predict on the model's device.


def call_predict(predict, model, x):
    """predict(model, x); an error it raises becomes a failure with a hint."""
    where = next(model.parameters()).device
    try:
        return predict(model, x)
    except Exception as error:
        raise AssertionError(
            f"predict(model on {where}, x on {x.device}) raised {type(error).__name__}: {error} "
            "Hint: move x to the model's device, next(model.parameters()).device, and keep the result: "
            "x = x.to(...). Do not move the model, and do not use the global device.") from None


def check_predict_on_meta(predict, meta_model, x, shape):
    """predict(meta_model, x) with x on the CPU: an output of that shape on meta; neither the model nor x moved."""
    __tracebackhide__ = True
    out = call_predict(predict, meta_model, x)
    check.shape(out, shape, "predict(meta_model, x)")
    check.that(out.device.type == "meta", "predict(meta_model, x)",
               f"expected the output on the model's device, meta, found {out.device}.")
    check.that(next(meta_model.parameters()).device.type == "meta", "the model after predict",
               "the model must stay where it is; move x, not the model.")
    check.that(x.device.type == "cpu", "x after predict", "the caller's x must not be changed.")


def check_predict_on(predict, model, x, expected, device):
    """predict(model, x) with the model on `device`: `expected` (model(x) on the CPU), on that device."""
    __tracebackhide__ = True
    out = call_predict(predict, model, x)
    check.that(out.device.type == device.type, f"predict(model on {device}, x)",
               f"expected the output on {device}, found {out.device}.")
    check.close(out, expected, f"predict(model on {device}, x)", "return model(x) itself, nothing else.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: a convolution over time.


def expected_conv_over_time(conv, x):
    """The convolution written out: each output step is a weighted sum over a window of time steps."""
    pad = conv.padding[0]
    padded = torch.nn.functional.pad(x.detach(), (0, 0, pad, pad))  # pad the time dimension
    windows = padded.unfold(1, conv.kernel_size[0], 1)               # (batch, time_out, features, kernel)
    return torch.einsum("btfk,cfk->btc", windows, conv.weight.detach()) + conv.bias.detach()


def check_conv_over_time(conv_over_time, conv, x, shape):
    """conv_over_time(conv, x): x unchanged, the given shape, the convolution's values."""
    __tracebackhide__ = True
    original = x.clone()
    expected = expected_conv_over_time(conv, x)
    out = conv_over_time(conv, x)
    check.equal(x, original, "x after the call",
                "do not change the input: transpose returns a new tensor, keep it in a new name.")
    check.shape(out, shape, "conv_over_time(conv, x)",
                "(batch, time_out, out_channels): transpose to channels first for the convolution, then back.")
    check.close(out, expected, "conv_over_time(conv, x)",
                "reshape/view to the right shape scrambles time and features: use transpose(1, 2).")


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: activation memory.


def check_bytes(found, expected, bytes_per_element, name):
    """An int number of bytes, with a hint for the usual wrong counts."""
    __tracebackhide__ = True
    hint = None
    if type(found) is int and found * bytes_per_element == expected:
        hint = "that is the number of elements; multiply by element_size() to get bytes."
    elif type(found) is int and found > expected:
        hint = ("count only the layers' outputs (not the input, not the parameters), each with its own "
                "element_size().")
    elif type(found) is int and found < expected:
        hint = "add up the outputs of all the layers, not only the last one (and not the parameters)."
    check.number(found, expected, name, hint, kind=int)


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: predict in chunks.


class BatchSizeRecorder(nn.Module):
    """Wraps a model and records the number of rows of every batch it is called on."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.sizes = []

    def forward(self, x):
        self.sizes.append(x.shape[0])
        return self.model(x)


def chunks_and_grad_mode(predict_in_chunks, model, x, max_batch, grad_mode):
    """predict_in_chunks with gradient recording on or off: the result, the mode right after the call and the
    modes during the model's forward passes (run it with check.in_learner, where the learner's code runs: the
    grad mode belongs to that process)."""
    spy = GradModeSpy(model)
    with torch.set_grad_enabled(grad_mode):
        out = predict_in_chunks(spy, x, max_batch)
        return out, torch.is_grad_enabled(), list(spy.recording)


def check_grad_mode_after(predict_in_chunks, model, x, max_batch):
    """predict_in_chunks with gradient recording on: on after the call too. Returns the modes during the
    model's forward passes, for check_recording."""
    __tracebackhide__ = True
    out, grad_mode_after, during = check.in_learner(chunks_and_grad_mode, predict_in_chunks, model, x, max_batch,
                                                    True)
    check.that(grad_mode_after is True, "torch.is_grad_enabled() after predict_in_chunks",
               "expected True (as before the call), found False. Hint: use `with torch.no_grad():`, which puts "
               "gradient recording back as it was, not torch.set_grad_enabled(False).")
    return during


def check_recording(during):
    """Gradient recording was off during every forward pass."""
    __tracebackhide__ = True
    check.that(len(during) > 0 and not any(during), "gradient recording during the model's forward passes in "
               "predict_in_chunks", f"expected off (torch.no_grad()), found {during}. Hint: call the model inside "
               "`with torch.no_grad():` (detaching each output afterwards still records every chunk's graph).")


def check_chunks(predict_in_chunks, model, x, max_batch):
    """The batch sizes the model sees, the joined result, and no graph."""
    __tracebackhide__ = True
    n = x.shape[0]
    with torch.no_grad():
        expected = model(x)
    recorder = BatchSizeRecorder(model)
    out = predict_in_chunks(recorder, x, max_batch)
    name = f"predict_in_chunks(model, x with {n} rows, max_batch={max_batch})"
    sizes = recorder.sizes
    full, rest = divmod(n, max_batch)
    wanted = [max_batch] * full + ([rest] if rest else [])
    check.that(all(size <= max_batch for size in sizes), name,
               f"the model was called on batches of {sizes} rows, more than max_batch={max_batch}. "
               "Hint: torch.chunk(x, k) makes k pieces; torch.split(x, max_batch) makes pieces of max_batch rows.")
    check.that(sizes == wanted, name,
               f"expected {math.ceil(n / max_batch)} calls on batches of {wanted} rows, found {sizes}. "
               "Hint: full chunks of max_batch rows in order, then the remaining rows; do not drop the last chunk.")
    check.close(out, expected, name, "join the chunks' outputs in order with torch.cat along dim 0.")
    check.that(out.requires_grad is False, name,
               "the result requires grad, so a graph was kept for every chunk: predict under torch.no_grad().")


# ---------------------------------------------------------------------------------------------------------
# Exercise 5: a loss from float labels.


def expected_class_loss(logits, labels):
    """Cross-entropy written out: log-sum-exp of the row minus the score of the right class, averaged."""
    rows = logits.detach().double()
    index = [int(round(v)) for v in labels.reshape(-1).tolist()]
    picked = rows[torch.arange(len(index)), torch.tensor(index)]
    return (rows.logsumexp(dim=1) - picked).mean().to(logits.dtype)


def check_class_loss(class_loss, logits, labels, name):
    """class_loss(logits, labels): labels unchanged, the mean loss, and its gradient with respect to logits."""
    __tracebackhide__ = True
    logits = logits.clone().requires_grad_(True)
    labels_before = labels.clone()
    loss = class_loss(logits, labels)
    check.equal(labels, labels_before, f"labels after {name}",
                "do not change the caller's labels: reshape and long() return new tensors; avoid squeeze_() and "
                "other in-place methods.")
    check.shape(loss, (), name, "return the mean loss: one number, as nn.CrossEntropyLoss() gives.")
    check.close(loss, expected_class_loss(logits, labels), name,
                "give CrossEntropyLoss the raw logits (no softmax) and int64 class indices; log(softmax(...)) "
                "written by hand overflows for large logits, log_softmax does not.")
    check.that(loss.requires_grad, name, "the loss must keep the graph back to logits: "
               "convert the labels, not the logits, and do not detach.")
    loss.backward()
    index = labels.reshape(-1).round().long()
    probabilities = logits.detach().double().softmax(dim=1)
    expected_grad = (probabilities - nn.functional.one_hot(index, logits.shape[1]).double()) / len(index)
    check.close(logits.grad, expected_grad.to(logits.dtype), f"the gradient of {name} with respect to logits")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: one sample or a batch.


def check_one_or_many(predict_one_or_many, model, x, name):
    """predict_one_or_many(model, x): x unchanged, (outputs,) for one sample, (B, outputs) for a batch."""
    __tracebackhide__ = True
    batch = x.reshape(-1, x.shape[-1])
    with torch.no_grad():
        expected = model(batch)
    if x.dim() == 1:
        expected = expected[0]
    x_before = x.clone()
    out = predict_one_or_many(model, x)
    check.equal(x, x_before, f"x after {name}",
                "do not change the caller's x: unsqueeze(0) returns a new view; unsqueeze_(0) changes x itself.")
    check.shape(out, tuple(expected.shape), name,
                "one sample (features,) gives (outputs,); a batch, even of one, keeps its batch dimension. "
                "Add the batch with unsqueeze(0) and remove it with squeeze(0): a bare squeeze() removes too much.")
    check.close(out, expected, name)


# ---------------------------------------------------------------------------------------------------------
# Exercise 8: a training loop that zeroes its gradients.


def reference_training(model, x, y, lr, num_steps):
    """Plain gradient descent on a copy: fresh gradients every step, no optimizer."""
    twin = copy.deepcopy(model)
    params = list(twin.parameters())
    losses = []
    for _ in range(num_steps):
        loss = ((twin(x) - y) ** 2).mean()
        grads = torch.autograd.grad(loss, params)
        with torch.no_grad():
            for p, g in zip(params, grads):
                p -= lr * g
        losses.append(loss.item())
    return twin, losses


def check_training(train_steps, model, x, y, lr, num_steps, name):
    """train_steps(model, x, y, lr, num_steps): its losses and the trained parameters against plain gradient descent."""
    __tracebackhide__ = True
    twin, expected_losses = reference_training(model, x, y, lr, num_steps)
    losses = train_steps(model, x, y, lr, num_steps)
    check.that(isinstance(losses, list) and len(losses) == num_steps, name,
               f"expected a list of {num_steps} losses, found {type(losses).__name__}"
               f"{' of length ' + str(len(losses)) if isinstance(losses, (list, tuple)) else ''}.")
    for step, (found, wanted) in enumerate(zip(losses, expected_losses)):
        check.number(found, wanted, f"{name}: the loss of step {step}",
                     "record loss.item() once per step, before the update." if type(found) is float else None,
                     tol=1e-4)
    for (param_name, found), wanted in zip(model.named_parameters(), twin.parameters()):
        check.close(found, wanted, f"{name}: model.{param_name} after {num_steps} steps",
                    "clear the old gradients with optimizer.zero_grad() before each backward(), "
                    "then backward(), then step().", atol=1e-5)


# ---------------------------------------------------------------------------------------------------------
# Exercise 9: predict in evaluation mode, without a graph.


def make_eval_model(features, hidden, outputs, seed):
    """Linear, BatchNorm1d (with learned statistics), ReLU, Dropout(0.5), Linear."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(features, hidden), nn.BatchNorm1d(hidden), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(hidden, outputs))
    with torch.no_grad():  # learned statistics, as after training
        model[1].running_mean.uniform_(-1, 1)
        model[1].running_var.uniform_(0.5, 2)
    return model


def expected_eval_output(model, x):
    """Evaluation mode written out: batch norm with the running statistics, dropout as the identity."""
    first, norm, last = model[0], model[1], model[4]
    with torch.no_grad():
        h = x @ first.weight.T + first.bias
        h = (h - norm.running_mean) / torch.sqrt(norm.running_var + norm.eps) * norm.weight + norm.bias
        return h.clamp(min=0) @ last.weight.T + last.bias


def infer_twice(infer, model, x, grad_mode):
    """infer on the model wrapped in a GradModeSpy, twice, with gradient recording on or off: the outputs, the
    grad mode right after the calls and the grad modes during the forward passes (run it with check.in_learner,
    where the learner's code runs: the grad mode belongs to that process), and the wrapper's training flag,
    which is `model.training` to infer."""
    spy = GradModeSpy(model)
    spy.training = model.training  # the wrapper in the model's mode, its modules as they are
    with torch.set_grad_enabled(grad_mode):
        outputs = [infer(spy, x) for _ in range(2)]
        return outputs, torch.is_grad_enabled(), list(spy.recording), spy.training


def check_infer(infer, model, x, name, grad_mode=True):
    """infer(model, x), twice: evaluation mode, no graph, the model's modes, statistics and grad mode kept."""
    __tracebackhide__ = True
    mode = model.training
    expected = expected_eval_output(model, x)
    statistics = model[1].running_mean.clone(), model[1].running_var.clone()
    modes = [module.training for module in model.modules()]
    outputs, grad_mode_after, during, top_mode = check.in_learner(infer_twice, infer, model, x, grad_mode)
    check.that(grad_mode_after == grad_mode, f"{name}: torch.is_grad_enabled() after the call",
               f"expected {grad_mode} (as before the call), found {grad_mode_after}. Hint: use "
               "`with torch.no_grad():`, which puts gradient recording back as it was, not "
               "torch.set_grad_enabled(False).")
    for out in outputs:
        check.is_tensor(out, name)
        check.that(out.requires_grad is False, name, "the result requires grad, so a graph was recorded: "
                   "model.eval() does not turn gradients off; compute under torch.no_grad().")
        check.close(out, expected, name, "dropout or batch statistics were active: call model.eval() first.")
    check.that(top_mode == mode, f"{name}: model.training after the call",
               f"expected {mode} (the mode before the call), found {top_mode}. "
               "Remember model.training first and restore it with model.train(mode).")
    check.that([module.training for module in model.modules()] == modes, f"{name}: the submodules' mode after the "
               "call", f"expected every module of the model in {'training' if mode else 'evaluation'} mode (as "
               "before the call), found some in another. Hint: model.train(mode) sets the mode of every submodule; "
               "setting model.training changes only the top module's flag.")
    check.equal(model[1].running_mean, statistics[0], f"{name}: the batch-norm running_mean",
                "predicting in training mode updates batch-norm statistics: call model.eval() first.")
    check.equal(model[1].running_var, statistics[1], f"{name}: the batch-norm running_var")
    check.that(all(parameter.requires_grad for parameter in model.parameters()), f"{name}: the model's parameters",
               "some no longer require grad after the call, so later training would not update them. Hint: use "
               "torch.no_grad() rather than requires_grad_(False).")
    if grad_mode:
        check.that(len(during) > 0 and not any(during), f"{name}: gradient recording during the forward pass",
                   f"expected off (torch.no_grad()), found {during}. Hint: run the forward pass inside "
                   "`with torch.no_grad():` (detaching the output afterwards, or freezing the parameters, still runs "
                   "it with recording on).")


# ---------------------------------------------------------------------------------------------------------
# Figures.


def draw_batch_memory(per_sample, budget, max_batch):
    """Activation memory against the batch size, with the budget and the largest batch that fits."""
    import matplotlib.pyplot as plt

    batch_sizes = torch.arange(1, 161)
    fig, ax = plt.subplots(figsize=(6, 3.2))
    ax.plot(batch_sizes, batch_sizes * per_sample / 2**20, label="input + conv output")
    ax.axhline(budget / 2**20, color="red", linestyle="--", label="budget: 1 GiB")
    ax.axvline(max_batch, color="grey", linestyle=":", label=f"largest batch that fits: {max_batch}")
    ax.set_xlabel("batch size")
    ax.set_ylabel("memory (MiB)")
    ax.set_title("activation memory grows with the batch size")
    ax.legend()
    plt.tight_layout()
    plt.show()


def draw_swinging_losses(losses):
    """The losses of a training loop without zero_grad(), step by step."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 3))
    ax.plot(losses, marker=".")
    ax.set_xlabel("step")
    ax.set_ylabel("MSE loss")
    ax.set_title("without zero_grad(): the loss swings instead of falling")
    plt.tight_layout()
    plt.show()
