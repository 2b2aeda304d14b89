"""Wrong and right answers for 07_saving (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("state_dict() keeps references to the model's tensors", '''
def copy_state(model):
    return model.state_dict()
''', "share memory with the model's parameters and buffers"),
        wrong("dict() copies the dictionary, not the tensors", '''
def copy_state(model):
    return dict(model.state_dict())
''', "share memory with the model's parameters and buffers"),
        wrong(".cpu() copies only from a GPU: on the CPU it returns the same tensor", '''
def copy_state(model):
    return {name: value.cpu() for name, value in model.state_dict().items()}
''', "share memory with the model's parameters and buffers"),
        wrong("detach() shares memory too", '''
def copy_state(model):
    return {name: value.detach() for name, value in model.state_dict().items()}
''', "share memory with the model's parameters and buffers"),
        wrong("named_parameters() misses batch norm's buffers", '''
def copy_state(model):
    return {name: value.detach().clone() for name, value in model.named_parameters()}
''', "named_parameters() holds only the parameters"),
        wrong("parameters and buffers gathered by name: a tied weight's second name is lost", '''
def copy_state(model):
    named = dict(model.named_parameters())
    named.update(model.named_buffers())
    return {name: value.detach().clone() for name, value in named.items()}
''', "a second name of a shared (tied) weight"),
        wrong(".cpu() before .clone(): a copy that leaves the model's device", '''
def copy_state(model):
    return {name: value.detach().cpu().clone() for name, value in model.state_dict().items()}
''', "copy_state(model) for a model on the meta device: raised NotImplementedError"),
        wrong("rebuilt from Python numbers: float64 becomes float32", '''
def copy_state(model):
    return {name: torch.tensor(value.tolist()) for name, value in model.state_dict().items()}
''', "expected dtype torch.float64, found torch.float32"),
        wrong("a round trip through NumPy: no bfloat16, no meta", '''
def copy_state(model):
    return {name: torch.from_numpy(value.numpy().copy()) for name, value in model.state_dict().items()}
''', "raised TypeError"),
        wrong("clone().float() turns the int64 batch counter into a float", '''
def copy_state(model):
    return {name: value.clone().float() for name, value in model.state_dict().items()}
''', "expected dtype torch.int64, found torch.float32"),
        right("the state_dict with keep_vars=True, cloned", '''
def copy_state(model):
    return {name: value.clone() for name, value in model.state_dict(keep_vars=True).items()}
'''),
        right("copy.deepcopy of the state_dict", '''
import copy


def copy_state(model):
    return copy.deepcopy(model.state_dict())
'''),
        right("an OrderedDict of torch.clone copies", '''
from collections import OrderedDict


def copy_state(model):
    return OrderedDict((name, torch.clone(value)) for name, value in model.state_dict().items())
'''),
    ],
    "02": [
        wrong("pickles the whole model", '''
def save_weights(model, path):
    torch.save(model, path)


def load_weights(make_model, path):
    model = torch.load(path, weights_only=False)
    model.eval()
    return model
''', "save model.state_dict() (with the parentheses), not the model"),
        wrong("state_dict without the parentheses pickles the bound method, and the model with it", '''
def save_weights(model, path):
    torch.save(model.state_dict, path)


def load_weights(make_model, path):
    model = make_model()
    model.load_state_dict(torch.load(path, weights_only=False)())
    model.eval()
    return model
''', "Unsupported global: GLOBAL getattr"),
        wrong("model = model.load_state_dict(...) returns the key report", '''
def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(make_model, path):
    model = make_model()
    model = model.load_state_dict(torch.load(path))
    return model
''', "expected the model (an nn.Module), found _IncompatibleKeys"),
        wrong("returns what torch.load returns: the state_dict", '''
def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(make_model, path):
    return torch.load(path)
''', "expected the model (an nn.Module), found OrderedDict"),
        wrong("no eval() after loading", '''
def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(make_model, path):
    model = make_model()
    model.load_state_dict(torch.load(path))
    return model
''', "expected the model in evaluation mode, found training mode"),
        wrong("model.eval without the parentheses does nothing", '''
def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(make_model, path):
    model = make_model()
    model.load_state_dict(torch.load(path))
    model.eval
    return model
''', "expected the model in evaluation mode, found training mode"),
        wrong("saves the parameters only, not batch norm's running statistics", '''
def save_weights(model, path):
    torch.save(dict(model.named_parameters()), path)


def load_weights(make_model, path):
    model = make_model()
    model.load_state_dict(torch.load(path), strict=False)
    model.eval()
    return model
''', "it holds the buffers (batch norm's running statistics) as well as the parameters"),
        wrong("sets model.training = False: only the top module, dropout and batch norm stay in training mode", '''
def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(make_model, path):
    model = make_model()
    model.load_state_dict(torch.load(path))
    model.training = False
    return model
''', "expected the model in evaluation mode, found training mode"),
        wrong("wraps the state_dict in a dict of its own", '''
def save_weights(model, path):
    torch.save({"state_dict": model.state_dict()}, path)


def load_weights(make_model, path):
    model = make_model()
    model.load_state_dict(torch.load(path)["state_dict"])
    return model.eval()
''', "expected a dict with the keys"),
        wrong("loads the weights into one new model, returns another", '''
def save_weights(model, path):
    torch.save(model.state_dict(), path)


def load_weights(make_model, path):
    make_model().load_state_dict(torch.load(path))
    model = make_model()
    model.eval()
    return model
''', "the loaded model must give the saved model's predictions"),
        right("eval() returns the model; map_location and an explicit weights_only", '''
def save_weights(model, path):
    torch.save(model.state_dict(), str(path))


def load_weights(make_model, path):
    model = make_model()
    state = torch.load(path, map_location="cpu", weights_only=True)
    model.load_state_dict(state, strict=True)
    return model.eval()
'''),
        right("train(False) instead of eval()", '''
def save_weights(model, path):
    state = model.state_dict()
    torch.save(state, path)


def load_weights(make_model, path):
    fresh = make_model()
    fresh.load_state_dict(torch.load(path))
    fresh.train(False)
    return fresh
'''),
    ],
    "03": [
        wrong("saves only the model: Adam restarts with empty running averages", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "epoch": epoch}, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    return checkpoint["epoch"]
''', "expected Adam's running averages for 4 parameters, found them for 0"),
        wrong("loads the optimizer state into a new optimizer, not the one passed in", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer = torch.optim.Adam(model.parameters())
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]
''', "expected Adam's running averages for 4 parameters, found them for 0"),
        wrong("pickles the model and optimizer objects and rebinds local names", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model, "optimizer": optimizer, "epoch": epoch}, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=False)
    model = checkpoint["model"]
    optimizer = checkpoint["optimizer"]
    return checkpoint["epoch"]
''', "Unsupported global: GLOBAL torch.nn.modules.container.Sequential"),
        wrong("a NumPy integer in the checkpoint, loaded with weights_only=False", '''
import numpy as np


def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": np.int64(epoch)}, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path, weights_only=False)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return int(checkpoint["epoch"])
''', "Unsupported global: GLOBAL numpy"),
        wrong("the epoch stored and returned as a tensor", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": torch.tensor(epoch)}, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"]
''', "expected a Python int, found torch.Tensor"),
        wrong("returns the next epoch instead of the saved one", '''
def save_checkpoint(path, model, optimizer, epoch):
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": epoch}, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path)
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    return checkpoint["epoch"] + 1
''', "expected 5, found 6"),
        right("other key names, map_location, the optimizer loaded first", '''
def save_checkpoint(path, model, optimizer, epoch):
    checkpoint = dict(epoch=int(epoch), weights=model.state_dict(), optim=optimizer.state_dict())
    torch.save(checkpoint, path)


def resume(path, model, optimizer):
    checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    optimizer.load_state_dict(checkpoint["optim"])
    model.load_state_dict(checkpoint["weights"])
    return checkpoint["epoch"]
'''),
    ],
    "04": [
        wrong("no map_location: the tensors go back to the GPU they were saved from", '''
def load_to_cpu(path):
    return torch.load(path)
''', "Attempting to deserialize object on a CUDA device"),
        wrong("loads, then moves: too late, loading itself fails", '''
def load_to_cpu(path):
    checkpoint = torch.load(path)
    return {key: value.to("cpu") if isinstance(value, torch.Tensor) else value for key, value in checkpoint.items()}
''', "Attempting to deserialize object on a CUDA device"),
        wrong("weights_only=False runs the file's code", '''
def load_to_cpu(path):
    return torch.load(path, map_location="cpu", weights_only=False)
''', "loading the file ran its code"),
        wrong("falls back to weights_only=False when the safe load refuses the file", '''
import pickle


def load_to_cpu(path):
    try:
        return torch.load(path, map_location="cpu")
    except pickle.UnpicklingError:
        return torch.load(path, map_location="cpu", weights_only=False)
''', "loading the file ran its code"),
        wrong("a dictionary that maps only cuda:0", '''
def load_to_cpu(path):
    return torch.load(path, map_location={"cuda:0": "cpu"})
''', "for a file saved on cuda:1"),
        wrong("map_location=device: the notebook's device is the GPU on a machine that has one", '''
def load_to_cpu(path):
    return torch.load(path, map_location=device)
''', "load_to_cpu(path) on a machine with a GPU: expected every tensor on the CPU, found ['meta']"),
        wrong("picks CUDA when it is available", '''
def load_to_cpu(path):
    return torch.load(path, map_location="cuda" if torch.cuda.is_available() else "cpu")
''', "load_to_cpu(path) on a machine with a GPU: expected every tensor on the CPU, found AssertionError"),
        right("torch.device('cpu') and an explicit weights_only", '''
def load_to_cpu(path):
    return torch.load(path, map_location=torch.device("cpu"), weights_only=True)
'''),
        right("a function that keeps every storage where it was deserialized (the CPU)", '''
def load_to_cpu(path):
    return torch.load(path, map_location=lambda storage, location: storage)
'''),
    ],
    "05": [
        wrong("str.replace also removes the prefix inside names", '''
def strip_prefix(state_dict, prefix="module."):
    return {name.replace(prefix, ""): value for name, value in state_dict.items()}
''', "remove the prefix only at the start of a name"),
        wrong("str.lstrip removes characters, not a prefix", '''
def strip_prefix(state_dict, prefix="module."):
    return {name.lstrip(prefix): value for name, value in state_dict.items()}
''', "remove the prefix only at the start of a name"),
        wrong("slices every name, with or without the prefix", '''
def strip_prefix(state_dict, prefix="module."):
    return {name[len(prefix):]: value for name, value in state_dict.items()}
''', "remove the prefix only at the start of a name"),
        wrong("drops the first part of every name", '''
def strip_prefix(state_dict, prefix="module."):
    return {name.split(".", 1)[1]: value for name, value in state_dict.items()}
''', "remove the prefix only at the start of a name"),
        wrong("consume_prefix_in_state_dict_if_present renames in place", '''
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present


def strip_prefix(state_dict, prefix="module."):
    consume_prefix_in_state_dict_if_present(state_dict, prefix)
    return state_dict
''', "it was changed: its keys are now"),
        wrong("returns what the in-place helper returns: None", '''
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present


def strip_prefix(state_dict, prefix="module."):
    return consume_prefix_in_state_dict_if_present(dict(state_dict), prefix)
''', "expected a dict, found NoneType"),
        wrong("a regular expression with the prefix unescaped: '.' matches any character", '''
import re


def strip_prefix(state_dict, prefix="module."):
    return {re.sub("^" + prefix, "", name): value for name, value in state_dict.items()}
''', "remove the prefix only at the start of a name"),
        wrong("strips the prefix as long as it is there", '''
def strip_prefix(state_dict, prefix="module."):
    stripped = {}
    for name, value in state_dict.items():
        while name.startswith(prefix):
            name = name[len(prefix):]
        stripped[name] = value
    return stripped
''', "found ['bias', 'embedding.weight'"),
        wrong("checks the prefix without its dot", '''
def strip_prefix(state_dict, prefix="module."):
    word = prefix.rstrip(".")
    return {(name[len(prefix):] if name.startswith(word) else name): value for name, value in state_dict.items()}
''', "remove the prefix only at the start of a name"),
        wrong("returns the caller's own dict when no name starts with the prefix", '''
def strip_prefix(state_dict, prefix="module."):
    if not any(name.startswith(prefix) for name in state_dict):
        return state_dict
    return {(name[len(prefix):] if name.startswith(prefix) else name): value for name, value in state_dict.items()}
''', "expected a new dictionary, found the state_dict that was passed in"),
        wrong("renames in place only when there is something to rename, and returns the caller's dict", '''
from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present


def strip_prefix(state_dict, prefix="module."):
    if any(name.startswith(prefix) for name in state_dict):
        state_dict = dict(state_dict)
        consume_prefix_in_state_dict_if_present(state_dict, prefix)
    return state_dict
''', "expected a new dictionary, found the state_dict that was passed in"),
        wrong("clones every tensor", '''
def strip_prefix(state_dict, prefix="module."):
    return {(k[len(prefix):] if k.startswith(prefix) else k): v.clone() for k, v in state_dict.items()}
''', "expected the state_dict's own tensors as values, found copies for"),
        wrong("a deep copy of the state_dict, renamed", '''
import copy


def strip_prefix(state_dict, prefix="module."):
    copied = copy.deepcopy(state_dict)
    return {name.removeprefix(prefix): value for name, value in copied.items()}
''', "expected the state_dict's own tensors as values, found copies for"),
        right("re.escape and count=1", '''
import re


def strip_prefix(state_dict, prefix="module."):
    pattern = re.compile("^" + re.escape(prefix))
    return {pattern.sub("", name, count=1): value for name, value in state_dict.items()}
'''),
        right("str.removeprefix", '''
def strip_prefix(state_dict, prefix="module."):
    return {name.removeprefix(prefix): value for name, value in state_dict.items()}
'''),
        right("PyTorch's helper on a copy", '''
from collections import OrderedDict

from torch.nn.modules.utils import consume_prefix_in_state_dict_if_present


def strip_prefix(state_dict, prefix="module."):
    renamed = OrderedDict(state_dict)
    consume_prefix_in_state_dict_if_present(renamed, prefix)
    return renamed
'''),
    ],
    "06": [
        wrong("strict=False alone: shapes are still checked", '''
def load_compatible(model, state_dict):
    return model.load_state_dict(state_dict, strict=False).missing_keys
''', "size mismatch for 2.weight"),
        wrong("filters by name but not by shape", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own}
    return model.load_state_dict(usable, strict=False).missing_keys
''', "size mismatch for 2.weight"),
        wrong("the filtered dict loaded with strict=True", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and value.shape == own[name].shape}
    model.load_state_dict(usable)
    return [name for name in own if name not in usable]
''', 'Missing key(s) in state_dict: "2.weight"'),
        wrong("returns load_state_dict's named tuple", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and value.shape == own[name].shape}
    return model.load_state_dict(usable, strict=False)
''', "expected a list of names, found _IncompatibleKeys"),
        wrong("reports the checkpoint's skipped names instead of the model's", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and value.shape == own[name].shape}
    model.load_state_dict(usable, strict=False)
    return [name for name in state_dict if name not in usable]
''', "not the checkpoint's names that were skipped"),
        wrong("reports the unexpected keys", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and value.shape == own[name].shape}
    return model.load_state_dict(usable, strict=False).unexpected_keys
''', "expected the names not loaded ['2.bias', '2.weight'], found []"),
        wrong("compares the number of elements, not the shape", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and value.numel() == own[name].numel()}
    return model.load_state_dict(usable, strict=False).missing_keys
''', "size mismatch for"),
        wrong("compares only the first size", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and len(value) == len(own[name])}
    return model.load_state_dict(usable, strict=False).missing_keys
''', "size mismatch for"),
        wrong("reports only the names absent from the state_dict, not those with another shape", '''
def load_compatible(model, state_dict):
    own = model.state_dict()
    usable = {name: value for name, value in state_dict.items() if name in own and value.shape == own[name].shape}
    model.load_state_dict(usable, strict=False)
    return [name for name in own if name not in state_dict]
''', "expected the names not loaded ['2.bias', '2.weight'], found []"),
        right("copies into the state_dict's tensors, which are the model's", '''
def load_compatible(model, state_dict):
    not_loaded = []
    with torch.no_grad():
        for name, target in model.state_dict().items():
            source = state_dict.get(name)
            if source is not None and source.shape == target.shape:
                target.copy_(source)
            else:
                not_loaded.append(name)
    return not_loaded
'''),
        right("a merged state_dict loaded strictly", '''
def load_compatible(model, state_dict):
    merged = dict(model.state_dict())
    not_loaded = set(merged)
    for name, value in state_dict.items():
        if name in merged and merged[name].shape == value.shape:
            merged[name] = value
            not_loaded.discard(name)
    model.load_state_dict(merged)
    return sorted(not_loaded)
'''),
    ],
    "07": [
        wrong("model.eval without the parentheses", '''
def predict(model, x):
    model.eval
    with torch.no_grad():
        return model(x)
''', "call model.eval() (with the parentheses)"),
        wrong("no_grad without eval(): dropout stays on", '''
def predict(model, x):
    with torch.no_grad():
        return model(x)
''', "call model.eval() (with the parentheses)"),
        wrong("eval() without no_grad: the output tracks gradients", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    out = model(x)
    model.train(was_training)
    return out
''', "predict(model, x).requires_grad: expected False, found True"),
        wrong("leaves the model in evaluation mode", '''
def predict(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)
''', "expected True (the model was in training mode before the call)"),
        wrong("always switches back to training mode", '''
def predict(model, x):
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train()
    return out
''', "expected False (the model was in evaluation mode before the call)"),
        wrong("switches gradient recording off globally", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    torch.set_grad_enabled(False)
    pred = model(x)
    model.train(was_training)
    return pred
''', "torch.is_grad_enabled() after predict(model, x): expected True (as before the call), found False"),
        wrong("switches gradient recording off, then always on again", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    torch.set_grad_enabled(False)
    pred = model(x)
    torch.set_grad_enabled(True)
    model.train(was_training)
    return pred
''', "torch.is_grad_enabled() after predict: expected False (as before the call), found True"),
        wrong("freezes the parameters instead of using no_grad", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    model.requires_grad_(False)
    pred = model(x)
    model.train(was_training)
    return pred
''', "found [True]. Hint: run the forward pass inside `with torch.no_grad():` (detaching the output afterwards, or "
          "freezing the parameters"),
        wrong("clears the gradients it finds", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    model.zero_grad()
    with torch.no_grad():
        pred = model(x)
    model.train(was_training)
    return pred
''', "predicting must not clear gradients"),
        right("inference_mode, with the mode restored in a finally block", '''
def predict(model, x):
    mode = model.training
    model.train(False)
    try:
        with torch.inference_mode():
            return model(x)
    finally:
        model.train(mode)
'''),
        wrong("detach() instead of no_grad: the forward pass is still recorded", '''
def predict(model, x):
    training = model.training
    model.eval()
    out = model(x).detach()
    if training:
        model.train()
    return out
''', "gradient recording during the forward pass of predict: expected off (torch.no_grad()), found [True]"),
        wrong("detach() instead of no_grad, mode restored with train(was)", '''
def predict(model, x):
    was = model.training
    model.eval()
    out = model(x).detach()
    model.train(was)
    return out
''', "gradient recording during the forward pass of predict: expected off"),
        wrong(".data instead of no_grad", '''
def predict(model, x):
    was = model.training
    model.eval()
    out = model(x).data
    model.train(was)
    return out
''', "gradient recording during the forward pass of predict: expected off"),
        wrong("restores only the top module's flag: the submodules stay in evaluation mode", '''
def predict(model, x):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.training = was
    return out
''', "the submodules' mode after predict: expected every module of the model in training mode"),
        right("predicts with a deep copy of the model, which it leaves as it was", '''
import copy


def predict(model, x):
    copied = copy.deepcopy(model).eval()
    with torch.no_grad():
        return copied(x)
'''),
        right("every module's own mode remembered and put back", '''
def predict(model, x):
    modes = {module: module.training for module in model.modules()}
    model.eval()
    with torch.no_grad():
        out = model(x)
    for module, mode in modes.items():
        module.training = mode
    return out
'''),
    ],
}
