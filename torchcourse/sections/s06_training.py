"""Section 6, training and evaluation: the helpers its test cells call and the drawing code of its figures.

The notebook imports this module as `section`. Every helper takes the learner's function or class as an
argument (`set_seed`, `evaluate`, `train_digits`, ...) and never looks one up by name. Helpers meant to run
where the learner's code runs (`draws`, `short_run`, `grad_mode_after`, `train_and_watch`) are handed over with
`check.in_learner`; the spies and datasets here are handed to the learner's code and record what it did.
"""

import importlib.util
import math
import os
import random

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from torchcourse import check

# ---------------------------------------------------------------------------------------------------------
# Exercise 1: set_seed


def draws(set_seed, seed):
    """What set_seed(seed) returns, then a draw from each random number generator and from the returned one."""
    generator = set_seed(seed)
    return generator, random.random(), float(np.random.rand()), torch.rand(3), torch.randperm(8, generator=generator)


def checked_draws(set_seed, seed):
    """The draws after set_seed(seed), made where the learner's code runs; checks the returned generator first."""
    __tracebackhide__ = True
    # The draws run where the learner's code runs (set_seed seeds that process's generators).
    generator, *numbers = check.in_learner(draws, set_seed, seed)
    check.that(type(generator) is torch.Generator, f"set_seed({seed})",
               f"expected a torch.Generator, found {type(generator).__name__}. "
               "Hint: return torch.Generator().manual_seed(seed).")
    check.that(generator is not torch.default_generator, f"set_seed({seed})",
               "returned PyTorch's global generator (what torch.manual_seed returns); expected a generator of its "
               "own, so that the loader's order does not depend on other draws. "
               "Hint: return torch.Generator().manual_seed(seed).")
    return numbers


def check_same_draws(first, second):
    """Two checked_draws(set_seed, 3) must agree, generator by generator."""
    __tracebackhide__ = True
    check.that(first[0] == second[0], "random.random() after set_seed(3)",
               f"expected the same number after each set_seed(3), found {first[0]} then {second[0]}. "
               "Hint: seed Python's random module with random.seed(seed).")
    check.that(first[1] == second[1], "np.random.rand() after set_seed(3)",
               f"expected the same number after each set_seed(3), found {first[1]} then {second[1]}. "
               "Hint: np.random.seed(seed); np.random.default_rng(seed) does not seed np.random's functions.")
    check.equal(second[2], first[2], "torch.rand(3) after the second set_seed(3)",
                "seed PyTorch: torch.manual_seed(seed).")
    check.equal(second[3], first[3], "torch.randperm(8, generator=set_seed(3)) the second time",
                "the returned generator must start from seed: torch.Generator().manual_seed(seed).")


def check_other_draws(first, other):
    """checked_draws(set_seed, 3) and checked_draws(set_seed, 4) must differ, for torch and the generator."""
    __tracebackhide__ = True
    check.that(not torch.equal(other[2], first[2]), "torch.rand(3) after set_seed(3) and after set_seed(4)",
               f"the two seeds gave the same numbers, {first[2].tolist()}: use the seed you are given.")
    check.that(not torch.equal(other[3], first[3]),
               "torch.randperm(8) with the generators of set_seed(3) and set_seed(4)",
               f"the two generators gave the same order, {first[3].tolist()}. "
               "Hint: seed the new generator: torch.Generator().manual_seed(seed).")


def short_run(set_seed, seed):
    """A few steps of training with a shuffling loader after set_seed(seed); returns the losses."""
    generator = set_seed(seed)
    x, y = torch.randn(20, 3), torch.randn(20)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    losses = []
    for xb, yb in DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, generator=generator):
        loss = nn.functional.mse_loss(model(xb).squeeze(1), yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(round(loss.item(), 6))
    return losses


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: train_one_epoch (the device probes serve Exercises 3 and 5 too)


class Spy(nn.Module):
    """Wraps a model and records the training flag at every forward pass."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return self.model(x)


class MetaProbe(nn.Module):
    """A model that says it lives on PyTorch's meta device (its first parameter does) but computes on the CPU.

    It records the device of every batch it is given and answers with `model` applied to the same rows of `x`,
    taken in order, so that a function that forgets to move its batches to the model's device is seen on any
    machine, GPU or not.
    """

    def __init__(self, model, x):
        super().__init__()
        self.where = nn.Parameter(torch.zeros(1, device="meta"))  # next(probe.parameters()).device is meta
        self.model = model
        self.x = x
        self.seen = 0
        self.devices = []

    def forward(self, batch):
        self.devices.append(batch.device.type)
        rows = self.x[self.seen:self.seen + len(batch)]
        self.seen += len(batch)
        return self.model(rows)


class MetaLoss(nn.Module):
    """The loss partner of MetaProbe: records the device of every target batch, computes with the real rows of y."""

    def __init__(self, loss_fn, y):
        super().__init__()
        self.loss_fn = loss_fn
        self.y = y
        self.seen = 0
        self.devices = []

    def forward(self, prediction, target):
        self.devices.append(target.device.type)
        rows = self.y[self.seen:self.seen + len(target)]
        self.seen += len(target)
        return self.loss_fn(prediction, rows)


def check_batches_moved(call, probe, loss, what):
    """Run call(); every batch must have reached the model (and the loss) on the model's device, meta."""
    __tracebackhide__ = True
    try:
        call()
    except Exception as error:  # an accumulator on the model's device meets the probe's CPU loss: not checked here
        if "meta" not in str(error):
            raise
    check.that(len(probe.devices) > 0 and set(probe.devices) == {"meta"}, f"the devices of the batches {what}",
               f"expected every batch on the model's device (here meta), found {probe.devices}. Hint: move each batch "
               "where the model is: device = next(model.parameters()).device, then x.to(device).")
    if loss is not None:
        check.that(set(loss.devices) <= {"meta"}, f"the devices of the targets {what}",
                   f"expected every target batch on the model's device (here meta), found {loss.devices}. "
                   "Hint: move y as well: y.to(device).")


def plain_epoch(model, x, y, batch_size, loss_fn, optimizer):
    """The test's own epoch, batch by batch from slices: returns [(mean loss, batch size), ...]."""
    pairs = []
    for start in range(0, len(x), batch_size):
        xb, yb = x[start:start + batch_size], y[start:start + batch_size]
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
        pairs.append((loss.item(), len(xb)))
    return pairs


def epoch_loss_hint(found, pairs):
    """Name the usual mistake when `found` is one of the wrong averages."""
    samples = sum(n for _, n in pairs)
    wrong = {
        "that is the mean of the batch means: the last batch is smaller, so weight each batch's loss by len(x) "
        "and divide by the number of samples.": sum(m for m, _ in pairs) / len(pairs),
        "that is the weighted sum divided by the number of batches (len(loader)); divide by the number of "
        "samples.": sum(m * n for m, n in pairs) / len(pairs),
        "that is the sum of the batch means divided by the number of samples: multiply each batch's mean by "
        "len(x) first.": sum(m for m, _ in pairs) / samples,
        "that is the last batch's loss; add up every batch's.": pairs[-1][0],
    }
    for hint, value in wrong.items():
        if isinstance(found, float) and math.isclose(found, value, rel_tol=1e-5):
            return hint
    return "sum loss.item() * len(x) over the batches and divide by the number of samples."


def check_epoch(loss, model, expected_model):
    """The example's epoch (three batches): a float, training mode at each pass, the parameters of plain_epoch."""
    __tracebackhide__ = True
    check.that(type(loss) is float, "train_one_epoch(...)",
               f"expected a Python float, found {type(loss).__name__}. Hint: add up loss.item(), a number, "
               "not the loss tensor (which keeps every batch's graph).")
    check.that(model.modes == [True, True, True], "model.training at each forward pass",
               f"expected [True, True, True], found {model.modes}. "
               "Hint: call model.train() first: the model may arrive in evaluation mode.")
    for name, parameter in expected_model.named_parameters():
        check.close(model.model.get_parameter(name), parameter, f"the model's {name} after the epoch",
                    "every batch: optimizer.zero_grad(), forward, loss, loss.backward(), optimizer.step(), "
                    "in this order.")


# ---------------------------------------------------------------------------------------------------------
# Exercises 3 and 5: evaluate, predict


class GradSpy(nn.Module):
    """Wraps a model and records (training flag, gradients enabled) at every forward pass."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.seen = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        return self.model(x)


class SizeSpy(GradSpy):
    """A GradSpy that also records the size of every batch."""

    def __init__(self, model):
        super().__init__(model)
        self.sizes = []

    def forward(self, x):
        self.seen.append((self.training, torch.is_grad_enabled()))
        self.sizes.append(len(x))
        return self.model(x)


def grad_mode_after(function, *args):
    """Call function(*args) with gradients on; return whether they are still on afterwards.

    It runs where the learner's code runs (check.in_learner). The enable_grad block puts the mode back on the
    way out, so a function that turns gradients off for good fails this check without changing later tests.
    """
    with torch.enable_grad():
        function(*args)
        return torch.is_grad_enabled()


def check_grad_mode_kept(function, name, *args):
    """Gradient recording is on again after function(*args) (checked where the learner's code runs)."""
    __tracebackhide__ = True
    still_recording = check.in_learner(grad_mode_after, function, *args)
    check.that(still_recording is True, f"torch.is_grad_enabled() after {name}(...)", "expected True (as before the "
               "call), found False. Hint: turn gradients off for the loop only, with `with torch.no_grad():`.")


def batch_means_hint(found, model, x, y, batch_size, loss_fn):
    """Name the mistake when `found` is the mean of the batch means."""
    with torch.no_grad():
        means = [loss_fn(model(x[i:i + batch_size]), y[i:i + batch_size]).item() for i in range(0, len(x), batch_size)]
    if isinstance(found, float) and math.isclose(found, sum(means) / len(means), rel_tol=1e-5):
        return ("that is the mean of the batch means: the last batch is smaller, so weight each batch's loss by "
                "len(x) and divide by the number of samples.")
    return ("sum loss.item() * len(x) over the batches of the loader you are given, and divide by the number of "
            "samples; call model.eval() so that dropout is off.")


def check_evaluated(loss, model, inner, before):
    """evaluate's example: a float; every pass in eval mode without gradients; the parameters as `before`."""
    __tracebackhide__ = True
    check.that(type(loss) is float, "evaluate(...)", f"expected a Python float, found {type(loss).__name__}. "
               "Hint: add up loss.item(), not the loss tensor.")
    check.that(len(model.seen) > 0, "evaluate(...)", "the model was never called: loop over the loader you are given.")
    check.that([mode for mode, _ in model.seen] == [False] * len(model.seen), "model.training at each forward pass",
               f"expected False every time, found {[mode for mode, _ in model.seen]}. "
               "Hint: call model.eval() first: in training mode dropout zeroes random activations.")
    check.that([grad for _, grad in model.seen] == [False] * len(model.seen),
               "torch.is_grad_enabled() at each forward pass",
               f"expected False every time, found {[grad for _, grad in model.seen]}. "
               "Hint: run the loop inside `with torch.no_grad():`; model.eval() does not turn gradients off.")
    for name, tensor in before.items():
        check.equal(inner.state_dict()[name], tensor, f"the model's {name} after evaluate", "evaluate must not train.")


class FeaturesOnly(Dataset):
    """A test set: __getitem__ returns the features alone."""

    def __init__(self, x):
        self.x = x

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i]


def order_hint(found, expected):
    """Name the mistake when `found` holds the expected rows in another order."""
    if type(found) is torch.Tensor and found.shape == expected.shape and not torch.allclose(found, expected, atol=1e-5):
        if torch.allclose(found.detach().sort(0).values, expected.sort(0).values, atol=1e-5):
            return "the rows are all there, in another order: a loader for predictions must not shuffle."
    return "call model.eval() first, so that dropout is off."


def check_predicted(found, model):
    """predict's example (10 samples, 2 outputs, batches of 4, 4, 2): the shape; eval mode and no gradients at
    each pass; a result without grad; the batches' sizes."""
    __tracebackhide__ = True
    check.shape(found, (10, 2), "predict(model, dataset, 4)", "concatenate the batches' outputs with torch.cat.")
    check.that([mode for mode, _ in model.seen] == [False] * len(model.seen), "model.training at each forward pass",
               f"expected False every time, found {[mode for mode, _ in model.seen]}. Hint: call model.eval() first.")
    check.that([grad for _, grad in model.seen] == [False] * len(model.seen),
               "torch.is_grad_enabled() at each forward pass",
               f"expected False every time, found {[grad for _, grad in model.seen]}. "
               "Hint: run the batches inside `with torch.no_grad():`.")
    check.that(not found.requires_grad, "predict(model, dataset, 4)", "the result requires grad: use torch.no_grad().")
    check.that(model.sizes == [4, 4, 2], "the sizes of the batches predict(model, dataset, 4) ran",
               f"expected [4, 4, 2], found {model.sizes}. Hint: DataLoader(dataset, batch_size=batch_size).")


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: accuracy

ARGMAX_HINT = "the predicted class of a row is its argmax along dim=1; compare it with the label."


def check_accuracy(found, expected, name, hint):
    """The type first (with its own hint), then the value."""
    __tracebackhide__ = True
    kind = type(found).__name__ if type(found).__module__ == "builtins" else \
        f"{type(found).__module__}.{type(found).__qualname__}"
    check.that(type(found) is float, name, f"expected a Python float, found {kind} {found!r}. Hint: "
               + (".item() turns a one-element tensor into a Python float." if isinstance(found, torch.Tensor) else
                  "divide the number of hits by B with /, which gives a Python float; float(...) turns a NumPy "
                  "number into one."))
    check.number(found, expected, name, hint)


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: EarlyStopping


def snapshot(model):
    """A copy of every tensor of model.state_dict()."""
    return {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}


def run_stopper(stopper, model, losses, seed):
    """Feed losses to stopper.step until it returns True; before each, change the model in place as training does."""
    generator = torch.Generator().manual_seed(seed)
    answers, states = [], []
    for val_loss in losses:
        with torch.no_grad():
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.add_(torch.randn(tensor.shape, generator=generator))
                else:
                    tensor.add_(1)
        states.append(snapshot(model))
        answer = stopper.step(val_loss, model)
        answers.append(answer)
        if answer is True:
            break
    return answers, states


def check_example_answers(answers):
    """step's answers for the prompt's example: losses 1.0, 0.8, 0.9, 0.85 with patience 2."""
    __tracebackhide__ = True
    check.that(all(type(answer) is bool for answer in answers), "step(val_loss, model)",
               f"expected True or False at each epoch, found {answers}.")
    check.that(answers == [False, False, False, True], "step's answers for losses 1.0, 0.8, 0.9, 0.85 with patience 2",
               f"expected [False, False, False, True], found {answers}. Hint: count the epochs since the best loss "
               "(not since the previous one), and stop when that count reaches patience.")


def check_example_best(stopper, states):
    """The prompt's example: the best epoch is 1, with loss 0.8 and the weights as they were after epoch 1."""
    __tracebackhide__ = True
    check.number(stopper.best_epoch, 1, "best_epoch", "epochs count from 0: the best loss, 0.8, came at epoch 1.",
                 kind=int)
    check.number(stopper.best_loss, 0.8, "best_loss")
    check_best_state(stopper, states[1], "losses 1.0, 0.8, 0.9, 0.85")


def check_best_state(stopper, state, what):
    """stopper.best_state holds `state` (None: no epoch improved)."""
    __tracebackhide__ = True
    found = stopper.best_state
    if state is None:
        check.that(found is None, f"best_state after {what}", f"expected None (no epoch improved on inf), found "
                   f"{type(found).__name__}. Hint: inf and nan are never strictly lower than the best loss.")
        return
    check.that(isinstance(found, dict), f"best_state after {what}",
               f"expected a dict like model.state_dict(), found {type(found).__name__}.")
    check.that(sorted(found) == sorted(state), f"best_state's keys after {what}",
               f"expected {sorted(state)}, found {sorted(found)}.")
    for name, tensor in state.items():
        check.equal(found[name], tensor, f"best_state[{name!r}] after {what}",
                    "these are not the parameters of the best epoch. model.state_dict() shares memory with the "
                    "live parameters, which training keeps changing in place: keep copy.deepcopy(model.state_dict()).")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: train_digits


class CountingDataset(Dataset):
    """(x, y) pairs that record which samples are drawn, and in which batches (a DataLoader asks __getitems__)."""

    def __init__(self, x, y):
        self.x, self.y, self.draws = x, y, 0
        self.order, self.batch_sizes = [], []

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        self.draws += 1
        self.order.append(int(i))
        return self.x[i], self.y[i]

    def __getitems__(self, indices):
        self.batch_sizes.append(len(indices))
        return [self[i] for i in indices]


def sklearn_data(name):
    """The path of one of the data files scikit-learn ships (its folder datasets/data)."""
    folder = os.path.join(importlib.util.find_spec("sklearn").submodule_search_locations[0], "datasets", "data")
    return os.path.join(folder, name)


def digits_split(seed):
    """The digits, split like random_split(..., [1197, 300, 300], generator seeded with seed)."""
    table = np.loadtxt(sklearn_data("digits.csv.gz"), delimiter=",")
    x, y = torch.tensor(table[:, :64] / 16, dtype=torch.float32), torch.tensor(table[:, 64], dtype=torch.int64)
    order = torch.randperm(len(x), generator=torch.Generator().manual_seed(seed))
    return x[order[:1197]], y[order[:1197]], x[order[1197:1497]], y[order[1197:1497]]


def train_and_watch(train_digits, config, x_train, y_train, x_val):
    """Where the learner's code runs: train on a watching dataset; return what it saw and the validation logits."""
    train_set = CountingDataset(x_train, y_train)
    model = train_digits(train_set, dict(config))
    if not isinstance(model, nn.Module):
        return type(model).__name__, train_set.draws, train_set.order[:len(train_set)], train_set.batch_sizes, None
    model.eval()
    with torch.no_grad():
        logits = model(x_val.to(next(model.parameters()).device)).cpu()
    return None, train_set.draws, train_set.order[:len(train_set)], train_set.batch_sizes, logits


def trained_logits(train_digits, config, x_train, y_train, x_val):
    """Call train_digits on a counting dataset; check the budget, shuffling and batches; return the val logits."""
    __tracebackhide__ = True
    not_module, draws, order, batch_sizes, logits = check.in_learner(train_and_watch, train_digits, config,
                                                                     x_train, y_train, x_val)
    check.that(not_module is None, "train_digits(train_set, config)",
               f"expected the trained nn.Module, found {not_module}.")
    n, size = len(x_train), config["batch_size"]
    budget = (config["num_epochs"] + 1) * n
    check.that(draws <= budget, "samples drawn from train_set",
               f"expected at most {budget} ({config['num_epochs']} epochs of {n}, plus one pass), "
               f"found {draws}. Hint: train for config['num_epochs'] epochs, no more.")
    check.that(draws >= config["num_epochs"] * n, "samples drawn from train_set",
               f"expected at least {config['num_epochs'] * n} ({config['num_epochs']} epochs of {n}), found "
               f"{draws}. Hint: train for config['num_epochs'] epochs.")
    check.that(order != list(range(n)), "the order of the first epoch's samples",
               "expected a shuffled order, found 0, 1, 2, ... in order. Hint: DataLoader(..., shuffle=True).")
    sizes = batch_sizes[:n // size]
    check.that(len(sizes) > 0 and set(sizes) == {size}, "the sizes of the batches drawn from train_set",
               f"expected batches of config['batch_size'] = {size}, found {sorted(set(batch_sizes))}. "
               "Hint: DataLoader(train_set, batch_size=config['batch_size'], shuffle=True).")
    check.shape(logits, (len(x_val), 10), "the model's output for the validation images",
                "the model maps (B, 64) pixels to (B, 10) logits, one per digit.")
    return logits


def check_bar(logits, y_val, what):
    """The validation accuracy of `logits` is at least 0.9; returns it."""
    __tracebackhide__ = True
    found = (logits.argmax(dim=1) == y_val).float().mean().item()
    check.that(found >= 0.9, f"validation accuracy {what}",
               f"expected at least 0.9, found {found:.3f}. Hint: does every batch run zero_grad, backward and step? "
               "Is the learning rate config['lr'], with Adam? Are the logits raw (no softmax before the loss)?")
    return found


# ---------------------------------------------------------------------------------------------------------
# Figures


def show_digits(digits_x, digits_y):
    """The first image of each digit, 0 to 9, in a row."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
    for digit, ax in enumerate(axes):
        ax.imshow(digits_x[digits_y == digit][0].reshape(8, 8).numpy(), cmap="gray_r")
        ax.set_title(str(digit))
        ax.axis("off")
    plt.show()


def plot_test_predictions(predicted, actual):
    """Predicted against true progression for the test patients, with the line of perfect predictions."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3.8, 3.6))
    ax.scatter(actual.numpy(), predicted.numpy(), s=12)
    ax.plot([25, 346], [25, 346], color="grey", linestyle="--", label="perfect")
    ax.set_xlabel("true progression")
    ax.set_ylabel("predicted")
    ax.set_title("diabetes: test patients")
    ax.legend()
    plt.tight_layout()
    plt.show()


def show_predictions(logits, x_val, y_val):
    """The first 12 validation digits, titled with the model's guess (green: right, red: wrong)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 12, figsize=(10, 1.3))
    for i, ax in enumerate(axes):
        guess, truth = logits[i].argmax().item(), y_val[i].item()
        ax.imshow(x_val[i].reshape(8, 8).numpy(), cmap="gray_r")
        ax.set_title(str(guess), color="green" if guess == truth else "red")
        ax.axis("off")
    fig.suptitle("your model's predictions for validation digits (red: wrong)", y=1.15, fontsize=10)
    plt.show()
