"""Section 7, saving and loading models: what its test cells and its figure need.

Checks of the exercises (a copy of the weights, a weights file, a checkpoint that
resumes exactly, loading onto the CPU, a prefix stripped, a partial load, a
prediction without side effects), the files and spies they hand to the learner's
code, the writer of files "saved on a GPU" that 7.5 uses, and the drawing code of
the checkpoint figure in 7.4. Every helper takes the learner's function as an argument.
"""

import os
import pickle
import zipfile

import torch
from torch import nn

from torchcourse import check
from torchcourse.sections.spies import GradModeSpy


def _refusal(error):
    """The line of torch.load's UnpicklingError that names what weights_only=True refused."""
    return next((line.strip().split(" Please use")[0] for line in str(error).splitlines() if "GLOBAL" in line),
                str(error)[:200])


# ---------------------------------------------------------------------------------------------------------
# Exercise 1: keep a copy of the weights.


def state_values(model):
    """model.state_dict()'s values now, rebuilt from plain Python numbers (a route independent of clone())."""
    return {name: torch.tensor(value.tolist(), dtype=value.dtype) for name, value in model.state_dict().items()}


def check_copy_keys(snapshot, expected):
    """copy_state(model) is a dict with the keys of model.state_dict() (`expected`)."""
    check.that(isinstance(snapshot, dict), "copy_state(model)",
               f"expected a dict of tensors, found {type(snapshot).__name__}.")
    check.that(sorted(snapshot) == sorted(expected), "the keys of copy_state(model)",
               f"expected {sorted(expected)}, found {sorted(snapshot)}. Hint: model.state_dict() holds the parameters "
               "and the buffers (batch norm's running statistics); named_parameters() holds only the parameters.")


def train_one_step(model):
    """One SGD step on a batch of 8 samples of 3 features (in training mode, batch norm also updates its running
    statistics in place)."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = model(check.random_tensor((8, 3), 0, low=-1, high=1)).pow(2).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()


def check_copy_kept(snapshot, expected):
    """The copy still holds the values taken before the training step."""
    for name, value in expected.items():
        check.equal(snapshot[name], value, f"copy_state(model)[{name!r}] after a training step",
                    "the tensors of model.state_dict() share memory with the model's parameters and buffers, so they "
                    "change when the model trains: copy each one with .clone() (.cpu() and .detach() do not copy).")


def check_restores(model, snapshot, expected):
    """model.load_state_dict(snapshot) brings back the values taken before the training step."""
    model.load_state_dict(snapshot)
    for name, value in expected.items():
        check.equal(model.state_dict()[name], value,
                    f"model.state_dict()[{name!r}] after model.load_state_dict(snapshot)")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: save and load the weights.


def batch_norm_dropout_model():
    """A new, untrained model with batch norm and dropout (4 features in, 3 out)."""
    return nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Dropout(0.5), nn.Linear(8, 3))


def trained_model(make_model, seed):
    """make_model(), its weights drawn from `seed`, after three forward passes in training mode (batch norm learns
    running statistics)."""
    torch.manual_seed(seed)
    model = make_model()
    with torch.no_grad():
        for seed in range(3):
            model(check.random_tensor((16, 4), seed, low=-2, high=2))
    return model


def check_weights_file(path, trained):
    """save_weights(trained, path) wrote a file that torch.load(path, weights_only=True) reads as its state_dict."""
    check.that(os.path.isfile(path), "save_weights(model, path)",
               f"no file was written at {path}. Hint: write the file with torch.save, at the path given.")
    try:
        contents = torch.load(path, weights_only=True)
    except pickle.UnpicklingError as error:
        check.that(False, "torch.load(path, weights_only=True)",
                   f"refused the file ({_refusal(error)}). Hint: save model.state_dict() (with the parentheses), not "
                   "the model: a pickled model can only be loaded with weights_only=False.")
    check.that(isinstance(contents, dict) and sorted(contents) == sorted(trained.state_dict()),
               "the file written by save_weights",
               f"expected a dict with the keys {sorted(trained.state_dict())}, found "
               f"{sorted(contents) if isinstance(contents, dict) else type(contents).__name__}. Hint: save "
               "model.state_dict(): it holds the buffers (batch norm's running statistics) as well as the parameters.")


def check_loaded_model(loaded, trained):
    """load_weights returned a model in evaluation mode that predicts as `trained` does in evaluation mode."""
    x = check.random_tensor((5, 4), 10, low=-2, high=2)
    check.that(isinstance(loaded, nn.Module), "load_weights(make_model, path)",
               f"expected the model (an nn.Module), found {type(loaded).__name__}. Hint: load_state_dict loads in "
               "place and returns a report of the keys, not the model; torch.load returns the state_dict: return the "
               "model you built with make_model().")
    check.that(not any(module.training for module in loaded.modules()), "load_weights(make_model, path).training",
               "expected the model in evaluation mode, found training mode. Hint: call model.eval() before returning "
               "it: a new model starts in training mode, and loading weights does not change that.")
    trained.eval()
    with torch.no_grad():
        expected = trained(x)
    check.close(loaded(x), expected, "load_weights(make_model, path)(x)",
                "the loaded model must give the saved model's predictions: load the file's state_dict into the model "
                "made by make_model().")


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: a checkpoint that resumes exactly.


def adam_run(seed, steps):
    """A small regression model, its initial weights drawn from `seed`, and an Adam optimizer over it (lr=0.05),
    after training steps 0, ..., steps - 1."""
    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    train_steps(model, optimizer, 0, steps)
    return model, optimizer


def train_steps(model, optimizer, first, last):
    """Training steps first, ..., last - 1; the batch of step k is always the same."""
    for step in range(first, last):
        inputs = check.random_tensor((8, 3), 1000 + step, low=-1, high=1)
        targets = inputs.sum(dim=1, keepdim=True).sin()
        loss = nn.functional.mse_loss(model(inputs), targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()


def check_loads_safely(path):
    """torch.load(path, weights_only=True) reads the checkpoint."""
    try:
        torch.load(path, weights_only=True)
    except pickle.UnpicklingError as error:
        check.that(False, "torch.load(path, weights_only=True) on the checkpoint",
                   f"refused it ({_refusal(error)}). Hint: store the state_dicts (not the model or optimizer objects) "
                   "and plain Python values: an int epoch, not a NumPy number.")


def check_resumed(epoch, first, first_optimizer, second, second_optimizer):
    """resume returned the epoch 5 and loaded the first run's parameters and optimizer state into the second."""
    check.number(epoch, 5, "resume(path, model, optimizer)", kind=int,
                 hint="return the epoch stored in the checkpoint, as a Python int.")
    for (name, saved), found in zip(first.named_parameters(), second.parameters()):
        check.equal(found, saved.detach(), f"parameter {name} right after resume",
                    "load the checkpoint's model state_dict into the model passed to resume (in place).")
    found_state, saved_state = second_optimizer.state_dict()["state"], first_optimizer.state_dict()["state"]
    check.that(len(found_state) == len(saved_state), "the optimizer's state right after resume",
               f"expected Adam's running averages for {len(saved_state)} parameters, found them for "
               f"{len(found_state)}. Hint: save optimizer.state_dict() in the checkpoint, and load it with "
               "optimizer.load_state_dict into the optimizer passed to resume.")


def check_ends_as_uninterrupted(second, reference):
    """The resumed run's parameters are the uninterrupted run's, exactly."""
    for (name, expected), found in zip(reference.named_parameters(), second.parameters()):
        check.equal(found, expected.detach(), f"parameter {name} after resuming and 5 more steps",
                    "resumed training must end exactly where uninterrupted training does: restore the model and the "
                    "optimizer (Adam's running averages, step counts and learning rate).")


# ---------------------------------------------------------------------------------------------------------
# 7.5 and exercise 4: files saved on a GPU, loaded on the CPU.


def save_as_if_on_gpu(obj, path, location="cuda:0"):
    """Write `obj` as torch.save does on a machine with a GPU: every tensor recorded as living on `location`.

    It saves normally, then changes the device recorded for each tensor in `data.pkl` (the pickle inside the zip).
    """
    torch.save(obj, path)
    with zipfile.ZipFile(path) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    spelled = lambda text: b"X" + len(text).to_bytes(4, "little") + text.encode()  # a string, as pickle writes it
    record = next(name for name in files if name.endswith("/data.pkl"))
    files[record] = files[record].replace(spelled("cpu"), spelled(location))
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)


class RunsCode:
    """Unpickling this object calls os.mkdir(target): a file holding it runs code when loaded."""

    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (os.mkdir, (self.target,))


def load_gpu_file(load_to_cpu, path):
    """load_to_cpu(path) for a file saved on cuda:0; a RuntimeError it raises becomes a failure with a hint."""
    try:
        return load_to_cpu(path)
    except RuntimeError as error:
        check.that(False, "load_to_cpu(path) for a file saved on cuda:0",
                   f"raised RuntimeError: {error} Hint: tell torch.load where to put the tensors with its "
                   "map_location argument.")


def check_loaded_on_cpu(loaded, weights):
    """load_to_cpu returned {"model": weights, "epoch": ...}, every tensor on the CPU."""
    check.that(isinstance(loaded, dict) and sorted(loaded) == ["epoch", "model"], "load_to_cpu(path)",
               f"expected the saved dict with keys ['epoch', 'model'], found {type(loaded).__name__} "
               f"{sorted(loaded) if isinstance(loaded, dict) else ''}.")
    for name, value in weights.items():
        found = loaded["model"][name]
        check.equal(found, value, f"load_to_cpu(path)['model'][{name!r}]")
        check.that(found.device.type == "cpu", f"load_to_cpu(path)['model'][{name!r}].device",
                   f"expected cpu, found {found.device}. Hint: tell torch.load where to put the tensors with its "
                   "map_location argument.")


def check_refuses_code(load_to_cpu, folder):
    """load_to_cpu on a file (written in `folder`) whose pickle calls os.mkdir raises UnpicklingError, runs nothing."""
    created = os.path.join(folder, "created_by_loading")
    unsafe = os.path.join(folder, "unsafe.pt")
    torch.save({"weight": torch.zeros(2), "extra": RunsCode(created)}, unsafe)
    refused = False
    try:
        load_to_cpu(unsafe)
    except pickle.UnpicklingError:
        refused = True
    check.that(not os.path.exists(created), "load_to_cpu on a file whose pickle calls os.mkdir",
               "loading the file ran its code: it created a folder. Hint: keep weights_only=True (the default since "
               "PyTorch 2.6); weights_only=False is only for files you wrote yourself.")
    check.that(refused, "load_to_cpu on a file that holds an arbitrary object",
               "expected torch.load's pickle.UnpicklingError to propagate, found no error.")



# ---------------------------------------------------------------------------------------------------------
# Exercise 5: remove a prefix from the keys.


def check_stripped(fixed, given_state, keys_before):
    """strip_prefix(given_state) is a dict with the names of the DataParallel example, and given_state is unchanged."""
    check.that(isinstance(fixed, dict), "strip_prefix(state_dict)",
               f"expected a dict, found {type(fixed).__name__}. Hint: build and return a new dict.")
    check.that(sorted(fixed) == ["0.bias", "0.weight", "2.bias", "2.weight"], "the keys of strip_prefix(state_dict)",
               f"expected ['0.bias', '0.weight', '2.bias', '2.weight'], found {sorted(fixed)}.")
    check.that(list(given_state) == keys_before, "the state_dict passed to strip_prefix",
               f"it was changed: its keys are now {list(given_state)}. Hint: build a new dict instead of renaming "
               "the keys in place.")


def stripped_identity(strip_prefix, given_state, prefix):
    """strip_prefix where the learner's code runs (what comes back from there is a copy): is the result the
    state_dict passed in, and which of its names hold a tensor that is not one of the state_dict's own?"""
    fixed = strip_prefix(given_state, prefix)
    if not isinstance(fixed, dict):
        return False, []
    return fixed is given_state, [name for name, value in fixed.items()
                                  if not any(value is tensor for tensor in given_state.values())]


def expect_identity(strip_prefix, given_state, prefix):
    """strip_prefix(given_state, prefix) is a new dict holding given_state's own tensors."""
    same_dict, copied = check.in_learner(stripped_identity, strip_prefix, given_state, prefix)
    name = f"strip_prefix({list(given_state)}, {prefix!r})"
    check.that(not same_dict, name,
               "expected a new dictionary, found the state_dict that was passed in. Hint: always build and return "
               "a new dict (a dict comprehension), even when no name starts with the prefix.")
    check.that(not copied, name,
               f"expected the state_dict's own tensors as values, found copies for {copied}. Hint: put each value "
               "in the new dict as it is, without .clone(), .detach() or copy.deepcopy.")


def check_loads_strictly(fixed, plain):
    """A new model like `plain` loads strip_prefix's result with strict=True (which raises if any name is wrong),
    and then holds plain's weights."""
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model.load_state_dict(fixed)
    check.equal(model[0].weight, plain[0].weight.detach(), "model[0].weight after loading the fixed state_dict")


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: load what fits, report what does not.


def check_fine_tuned(not_loaded, model, pretrained, head_before):
    """load_compatible(model, pretrained.state_dict()) loaded the first layer, kept the last, reported the last."""
    check.that(isinstance(not_loaded, list) and all(isinstance(name, str) for name in not_loaded),
               "load_compatible(model, state_dict)",
               f"expected a list of names, found {type(not_loaded).__name__}: {not_loaded!r:.200}. Hint: the result of "
               "load_state_dict(..., strict=False) is a named tuple; return a list of the model's names.")
    check.that(sorted(not_loaded) == ["2.bias", "2.weight"], "load_compatible(model, state_dict)",
               f"expected the names not loaded ['2.bias', '2.weight'], found {sorted(not_loaded)}.")
    check.equal(model[0].weight, pretrained[0].weight.detach(), "model[0].weight after load_compatible",
                "the first layer's shapes match: it must be loaded.")
    check.equal(model[0].bias, pretrained[0].bias.detach(), "model[0].bias after load_compatible")
    for name, value in head_before.items():
        check.equal(model[2].state_dict()[name], value, f"model[2].{name} (the new last layer) after load_compatible",
                    "its shape differs from the checkpoint's: leave it as it was.")


def check_nothing_loaded(not_loaded):
    """load_compatible on a state_dict whose names all have the prefix 'module.': all four of the model's names."""
    check.that(isinstance(not_loaded, list) and sorted(not_loaded) == ["0.bias", "0.weight", "2.bias", "2.weight"],
               "load_compatible(model, state_dict with 'module.' names)",
               f"nothing can be loaded, so expected all of the model's names ['0.bias', '0.weight', '2.bias', "
               f"'2.weight'], found {not_loaded!r:.200}. Hint: report the model's names that were not loaded (the "
               "missing keys), not the checkpoint's names that were skipped.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: predict without side effects.


def predict_and_grad_mode(predict, model, x, grad_mode):
    """predict on the model wrapped in a GradModeSpy, called with gradient recording on or off; also returns
    the grad mode right after the call, the grad modes during the forward pass (where the learner's code runs: the
    grad mode belongs to that process), and the wrapper's training flag, which is `model.training` to predict."""
    spy = GradModeSpy(model)
    spy.training = model.training  # the wrapper in the model's mode, its modules as they are
    with torch.set_grad_enabled(grad_mode):
        pred = predict(spy, x)
        return pred, torch.is_grad_enabled(), list(spy.recording), spy.training


def check_recording(during):
    """Gradient recording was off during every forward pass of predict."""
    check.that(len(during) > 0 and not any(during), "gradient recording during the forward pass of predict",
               f"expected off (torch.no_grad()), found {during}. Hint: run the forward pass inside "
               "`with torch.no_grad():` (detaching the output afterwards, or freezing the parameters, still runs it "
               "with recording on).")


def without_dropout(model, x):
    """The output of model = Sequential(Linear, ReLU, Dropout, Linear) for x with dropout off, from the formula."""
    first, last = model[0], model[3]
    return (torch.relu(x @ first.weight.T + first.bias) @ last.weight.T + last.bias).detach()


def check_predicts_in_training(predict, model, x, expected):
    """predict(model, x) on a model in training mode, called with recording on: the output without dropout, no
    graph, and the grad mode and every module's mode as they were. Returns the prediction."""
    pred, grad_mode_after, during, top_mode = check.in_learner(predict_and_grad_mode, predict, model, x, True)
    check.close(pred, expected, "predict(model, x)",
                "call model.eval() (with the parentheses) before the forward pass: in training mode dropout zeroes "
                "random activations.")
    check.that(not pred.requires_grad, "predict(model, x).requires_grad",
               "expected False, found True. Hint: compute the output inside `with torch.no_grad():`.")
    check_recording(during)
    check.that(grad_mode_after is True, "torch.is_grad_enabled() after predict(model, x)",
               "expected True (as before the call), found False. Hint: compute under `with torch.no_grad():`, which "
               "puts gradient recording back as it was; torch.set_grad_enabled(False) changes it for everything after.")
    check.that(top_mode is True, "model.training after predict",
               "expected True (the model was in training mode before the call), found False. Hint: remember "
               "model.training before calling model.eval(), and restore it with model.train(was_training).")
    check.that(all(module.training for module in model.modules()), "the submodules' mode after predict",
               "expected every module of the model in training mode (as before the call), found some in evaluation "
               "mode. Hint: model.train(was_training) sets the mode of every submodule; setting model.training "
               "changes only the top module's flag.")
    return pred


def check_predicts_in_eval(predict, model, x, expected):
    """predict(model, x) on a model in evaluation mode: the same output, and every module still in evaluation mode."""
    model.eval()
    check.close(predict(model, x), expected, "predict(model, x) for a model in evaluation mode")
    check.that(not any(module.training for module in model.modules()), "model.training after predict",
               "expected False (the model was in evaluation mode before the call), found True. Hint: restore the mode "
               "the model had, rather than always calling model.train().")


# ---------------------------------------------------------------------------------------------------------
# 7.4's figure.


def draw_resume_curves(uninterrupted, resumed_curves, checkpoint_step=60):
    """The training loss of the uninterrupted run and of the two runs resumed at `checkpoint_step`
    (resumed_curves[True]: model and optimizer restored; [False]: model only), on a log scale."""
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    steps = np.arange(1, len(uninterrupted) + 1)
    ax.plot(steps, uninterrupted, lw=4, alpha=0.35, label="uninterrupted")
    ax.plot(steps[checkpoint_step:], resumed_curves[True], "--", label="resumed: model + optimizer")
    ax.plot(steps[checkpoint_step:], resumed_curves[False], label="resumed: model only")
    ax.axvline(checkpoint_step, color="gray", lw=0.8)
    ax.set(yscale="log", xlabel="step", ylabel="training loss (log scale)",
           title=f"Resuming from a checkpoint at step {checkpoint_step}")
    ax.legend()
    plt.show()
