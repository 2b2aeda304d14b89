"""Wrong and right answers for 06_training (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("seeds PyTorch only", '''
def set_seed(seed):
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
''', "random.random() after set_seed(3)"),
        wrong("np.random.default_rng(seed) leaves np.random's global state unseeded", '''
def set_seed(seed):
    random.seed(seed)
    np.random.default_rng(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)
''', "np.random.rand() after set_seed(3)"),
        wrong("a fixed seed instead of the argument", '''
def set_seed(seed):
    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
    return torch.Generator().manual_seed(0)
''', "the two seeds gave the same numbers"),
        wrong("returns what torch.manual_seed returns: the global generator", '''
def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    return torch.manual_seed(seed)
''', "returned PyTorch's global generator"),
        wrong("a new generator that is never seeded", '''
def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator()
''', "the two generators gave the same order"),
        wrong("torch.seed() picks a fresh random seed", '''
def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.seed()
    return torch.Generator().manual_seed(seed)
''', "torch.rand(3) after the second set_seed(3)"),
        wrong("seeds everything but forgets to return the generator", '''
def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
''', "expected a torch.Generator, found NoneType"),
        wrong("one generator kept at module level, reseeded at every call", '''
_generator = torch.Generator()

def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return _generator.manual_seed(seed)
''', "expected two different generators, found the same object twice"),
        right("the lecture's same_seed, plus a generator made in two steps", '''
def set_seed(seed):
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    np.random.seed(seed)
    random.seed(seed)
    torch.random.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    generator = torch.Generator(device="cpu")
    generator.manual_seed(seed)
    return generator
'''),
    ],
    "02": [
        wrong("the mean of the batch means (the lecture homework's train loss)", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
''', "that is the mean of the batch means"),
        wrong("total += loss: a tensor that keeps every graph", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total = 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss * len(x)
    return total / len(loader.dataset)
''', "expected a Python float, found Tensor"),
        wrong("no model.train(): the model stays in evaluation mode", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
    return total / len(loader.dataset)
''', "model.training at each forward pass: expected [True, True, True], found [False, False, False]"),
        wrong("weighted sum divided by len(loader), the number of batches", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
    return total / len(loader)
''', "divided by the number of batches"),
        wrong("sum of the batch means divided by len(loader.dataset)", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader.dataset)
''', "sum of the batch means divided by the number of samples"),
        wrong("no zero_grad(): gradients accumulate over the batches", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
    return total / len(loader.dataset)
''', "the model's weight after the epoch"),
        wrong("zero_grad() between backward() and step(): nothing is learned", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for x, y in loader:
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(x)
    return total / len(loader.dataset)
''', "the model's weight after the epoch"),
        wrong("returns the last batch's loss", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()
''', "that is the last batch's loss"),
        wrong("batches not moved to the model's device", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count
''', "expected every batch on the model's device (here meta), found ['cpu'"),
        wrong("x moved to the model's device, y left behind", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    device = next(model.parameters()).device
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x.to(device)), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count
''', "Hint: move y as well"),
        wrong("moves to the notebook's device (the CPU here), not the model's", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(x)
        count += len(x)
    return total / count
''', "expected every batch on the model's device (here meta)"),
        right("a detached tensor total, .item() once at the end", '''
def train_one_epoch(model, loader, loss_fn, optimizer):
    model.train(True)
    device = next(model.parameters()).device
    total = torch.zeros((), device=device)
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.detach() * y.size(0)
    return total.item() / len(loader.dataset)
'''),
    ],
    "03": [
        wrong("no model.eval(): dropout stays on", '''
def evaluate(model, loader, loss_fn):
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            total += loss_fn(model(x), y).item() * len(x)
    return total / len(loader.dataset)
''', "model.training at each forward pass: expected False every time"),
        wrong("no torch.no_grad(): eval() does not turn gradients off", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0.0
    for x, y in loader:
        total += loss_fn(model(x), y).item() * len(x)
    return total / len(loader.dataset)
''', "torch.is_grad_enabled() at each forward pass: expected False every time"),
        wrong("the mean of the batch means", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    losses = []
    with torch.no_grad():
        for x, y in loader:
            losses.append(loss_fn(model(x), y).item())
    return sum(losses) / len(losses)
''', "that is the mean of the batch means"),
        wrong("loops over the notebook's val_loader instead of its argument", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in val_loader:
            total += loss_fn(model(x), y).item() * len(x)
    return total / len(val_loader.dataset)
''', "evaluate(...) on 10 samples in batches of 4, 4, 2: expected "),
        wrong("evaluates on the notebook's train_loader", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in train_loader:
            total += loss_fn(model(x), y).item() * len(x)
    return total / len(train_loader.dataset)
''', "evaluate(...) on 10 samples in batches of 4, 4, 2: expected "),
        wrong("total += loss: returns a tensor", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0
    with torch.no_grad():
        for x, y in loader:
            total += loss_fn(model(x), y) * len(x)
    return total / len(loader.dataset)
''', "expected a Python float, found Tensor"),
        wrong("divides by len(loader), the number of batches", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            total += loss_fn(model(x), y).item() * len(x)
    return total / len(loader)
''', "evaluate(...) on 10 samples in batches of 4, 4, 2: expected "),
        wrong("torch.set_grad_enabled(False) and never turned back on", '''
def evaluate(model, loader, loss_fn):
    device = next(model.parameters()).device
    model.eval()
    torch.set_grad_enabled(False)
    total = 0.0
    for x, y in loader:
        total += loss_fn(model(x.to(device)), y.to(device)).item() * len(x)
    return total / len(loader.dataset)
''', "torch.is_grad_enabled() after evaluate(...): expected True"),
        wrong("batches not moved to the model's device", '''
def evaluate(model, loader, loss_fn):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for x, y in loader:
            total += loss_fn(model(x), y).item() * len(x)
    return total / len(loader.dataset)
''', "expected every batch on the model's device (here meta)"),
        right("inference_mode as a decorator, one loss over all outputs", '''
@torch.inference_mode()
def evaluate(model, loader, loss_fn):
    model.eval()
    device = next(model.parameters()).device
    outputs, targets = [], []
    for x, y in loader:
        outputs.append(model(x.to(device)))
        targets.append(y.to(device))
    return loss_fn(torch.cat(outputs), torch.cat(targets)).item()
'''),
    ],
    "04": [
        wrong("returns a tensor, not a number", '''
def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).float().mean()
''', "expected a Python float, found torch.Tensor tensor(0.7500). Hint: .item()"),
        wrong("mean() of booleans", '''
def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).mean().item()
''', "mean(): could not infer output dtype"),
        wrong("argmax along the batch dimension", '''
def accuracy(logits, labels):
    return (logits.argmax(dim=0) == labels).float().mean().item()
''', "The size of tensor a (3) must match the size of tensor b (4)"),
        wrong("the number of hits, not the fraction", '''
def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item()
''', "expected a Python float, found int"),
        wrong("integer division", '''
def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() // len(labels)
''', "expected a Python float, found int"),
        wrong("divides by the number of classes", '''
def accuracy(logits, labels):
    return (logits.argmax(dim=1) == labels).sum().item() / logits.shape[1]
''', "accuracy(logits, labels): expected 0.75, found 1.0"),
        wrong("NumPy's mean gives numpy.float64", '''
def accuracy(logits, labels):
    return np.mean(logits.argmax(dim=1).numpy() == labels.numpy())
''', "expected a Python float, found numpy.float64"),
        wrong("argmax along dim 0: a square batch (B == C) runs without error", '''
def accuracy(logits, labels):
    return (logits.argmax(0) == labels).float().mean().item()
''', "The size of tensor a (3) must match the size of tensor b (4)"),
        wrong("the last of tied largest values (a flipped argmax)", '''
def accuracy(logits, labels):
    c = logits.shape[1]
    last = c - 1 - logits.flip(1).argmax(dim=1)
    return (last == labels).float().mean().item()
''', "rows with tied largest values"),
        wrong("a row counts as right when the label's logit is one of the largest", '''
def accuracy(logits, labels):
    largest = logits.max(dim=1, keepdim=True).values
    return (logits.gather(1, labels.unsqueeze(1)) == largest).float().mean().item()
''', "rows with tied largest values"),
        right("hits counted in Python, divided by B", '''
def accuracy(logits, labels):
    predicted = logits.detach().argmax(dim=1).tolist()
    return sum(p == t for p, t in zip(predicted, labels.tolist())) / len(predicted)
'''),
        right("torch.max's indices, float() of the count over the batch size", '''
def accuracy(logits, labels):
    predicted = torch.max(logits.detach(), 1).indices
    return float(torch.eq(predicted, labels).sum()) / labels.numel()
'''),
        right("softmax first changes no argmax", '''
def accuracy(logits, labels):
    probabilities = torch.softmax(logits, dim=-1)
    return probabilities.argmax(-1).eq(labels).float().mean().item()
'''),
    ],
    "05": [
        wrong("shuffle=True on the test loader", '''
def predict(model, dataset, batch_size):
    model.eval()
    outputs = []
    with torch.no_grad():
        for x in DataLoader(dataset, batch_size=batch_size, shuffle=True):
            outputs.append(model(x))
    return torch.cat(outputs)
''', "the rows are all there, in another order"),
        wrong("no model.eval()", '''
def predict(model, dataset, batch_size):
    outputs = []
    with torch.no_grad():
        for x in DataLoader(dataset, batch_size=batch_size):
            outputs.append(model(x))
    return torch.cat(outputs)
''', "model.training at each forward pass: expected False every time"),
        wrong("no torch.no_grad()", '''
def predict(model, dataset, batch_size):
    model.eval()
    return torch.cat([model(x) for x in DataLoader(dataset, batch_size=batch_size)])
''', "torch.is_grad_enabled() at each forward pass: expected False every time"),
        wrong("returns the list of batches", '''
def predict(model, dataset, batch_size):
    model.eval()
    with torch.no_grad():
        return [model(x) for x in DataLoader(dataset, batch_size=batch_size)]
''', "expected a torch.Tensor, found list"),
        wrong("torch.stack cannot join a smaller last batch", '''
def predict(model, dataset, batch_size):
    model.eval()
    with torch.no_grad():
        return torch.stack([model(x) for x in DataLoader(dataset, batch_size=batch_size)])
''', "stack expects each tensor to be equal size"),
        wrong("unpacks (x, y) from a loader without targets", '''
def predict(model, dataset, batch_size):
    model.eval()
    outputs = []
    with torch.no_grad():
        for x, _ in DataLoader(dataset, batch_size=batch_size):
            outputs.append(model(x))
    return torch.cat(outputs)
''', "too many values to unpack"),
        wrong("returns class indices instead of the outputs", '''
def predict(model, dataset, batch_size):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x).argmax(1) for x in DataLoader(dataset, batch_size=batch_size)])
''', "expected shape (10, 2), found (10,)"),
        wrong("DataLoader without batch_size: batches of one", '''
def predict(model, dataset, batch_size):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x) for x in DataLoader(dataset)])
''', "the sizes of the batches predict(model, dataset, 4) ran: expected [4, 4, 2], found [1, 1"),
        wrong("torch.set_grad_enabled(False) left off after the call", '''
def predict(model, dataset, batch_size):
    device = next(model.parameters()).device
    model.eval()
    torch.set_grad_enabled(False)
    return torch.cat([model(x.to(device)).cpu() for x in DataLoader(dataset, batch_size=batch_size)])
''', "torch.is_grad_enabled() after predict(...): expected True"),
        wrong("batches not moved to the model's device", '''
def predict(model, dataset, batch_size):
    model.eval()
    with torch.no_grad():
        return torch.cat([model(x).cpu() for x in DataLoader(dataset, batch_size=batch_size)])
''', "expected every batch on the model's device (here meta)"),
        right("inference_mode, batches sliced by hand", '''
def predict(model, dataset, batch_size):
    model.train(False)
    device = next(model.parameters()).device
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(dataset), batch_size):
            x = torch.stack([dataset[i] for i in range(start, min(start + batch_size, len(dataset)))])
            outputs.append(model(x.to(device)).cpu())
    return torch.cat(outputs, dim=0)
'''),
    ],
    "06": [
        wrong("keeps model.state_dict() itself: a reference, not a copy", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = model.state_dict()
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "best_state['weight'] after losses 1.0, 0.8, 0.9, 0.85: expected values"),
        wrong("dict(model.state_dict()) copies the dict, not the tensors", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = dict(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "best_state['weight'] after losses 1.0, 0.8, 0.9, 0.85: expected values"),
        wrong("stops one epoch late (> instead of >=)", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited > self.patience
''', "expected [False, False, False, True], found [False, False, False, False, False]"),
        wrong("compares with the previous epoch's loss, not the best", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.previous = math.inf
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.previous:
            self.waited = 0
            if val_loss < self.best_loss:
                self.best_loss, self.best_epoch = val_loss, self.epoch
                self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.waited += 1
        self.previous = val_loss
        return self.waited >= self.patience
''', "expected [False, False, False, True], found [False, False, False, False, False]"),
        wrong("never resets the count after an improvement", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.bad_epochs = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.bad_epochs += 1
        return self.bad_epochs >= self.patience
''', "step's answers for losses ["),
        wrong("<= counts a tie as an improvement", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss <= self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "step's answers for losses ["),
        wrong("counts epochs from 1", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = 0
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "best_epoch: expected 1, found 2"),
        wrong("epochs since the best epoch: fails while no epoch has improved (best_epoch is None)", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = float("inf")
        self.best_epoch = None
        self.best_state = None
        self.epochs_seen = 0

    def step(self, val_loss, model):
        epoch = self.epochs_seen
        self.epochs_seen += 1
        if val_loss < self.best_loss:
            self.best_loss = val_loss
            self.best_epoch = epoch
            self.best_state = {name: t.detach().clone() for name, t in model.state_dict().items()}
        return epoch - self.best_epoch >= self.patience
''', "unsupported operand type(s) for -: 'int' and 'NoneType'"),
        wrong("a deep copy of the whole model, epochs since the best: fails before any improvement", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience, self.history = patience, []
        self.best_loss, self.best_epoch, self.best_state = math.inf, None, None

    def step(self, val_loss, model):
        self.history.append(val_loss)
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, len(self.history) - 1
            self.best_state = copy.deepcopy(model).state_dict()
        return len(self.history) - 1 - self.best_epoch >= self.patience
''', "unsupported operand type(s) for -: 'int' and 'NoneType'"),
        wrong("min_delta=1e-4: a small improvement is not counted", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - 1e-4:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "any smaller loss is"),
        wrong("not (val_loss >= best): nan counts as an improvement", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if not val_loss >= self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "inf and nan never are"),
        wrong("the first epoch is always the best (best_loss starts at the first loss)", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = math.inf
        self.best_epoch = None
        self.best_state = None
        self.epoch = -1
        self.waited = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if self.epoch == 0 or val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            self.waited = 0
        else:
            self.waited += 1
        return self.waited >= self.patience
''', "step's answers for losses [nan, inf] with patience 2"),
        right("cloned tensors, epochs counted since the last improvement or the start", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience = patience
        self.best_loss = float("inf")
        self.best_epoch = None
        self.best_state = None
        self.epochs_seen = 0
        self.last_improvement = -1

    def step(self, val_loss, model):
        epoch = self.epochs_seen
        self.epochs_seen += 1
        if val_loss < self.best_loss:
            self.best_loss = val_loss
            self.best_epoch = self.last_improvement = epoch
            self.best_state = {name: t.detach().clone() for name, t in model.state_dict().items()}
        return epoch - self.last_improvement >= self.patience
'''),
        right("a deep copy of the whole model; a history of losses", '''
class EarlyStopping:
    def __init__(self, patience):
        self.patience, self.history = patience, []
        self.best_loss, self.best_epoch, self.best_state = math.inf, None, None

    def step(self, val_loss, model):
        self.history.append(val_loss)
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch = val_loss, len(self.history) - 1
            self.best_state = copy.deepcopy(model).state_dict()
        start = -1 if self.best_epoch is None else self.best_epoch
        return len(self.history) - 1 - start >= self.patience
'''),
    ],
    "07": [
        wrong("forgets optimizer.step(): the model never learns", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
    return model
''', "validation accuracy with digits_config: expected at least 0.9"),
        wrong("zero_grad() between backward() and step()", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            loss_fn(model(x), y).backward()
            optimizer.zero_grad()
            optimizer.step()
    return model
''', "validation accuracy with digits_config: expected at least 0.9"),
        wrong("ignores the budget and trains for 20 epochs", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(20):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    return model
''', "samples drawn from train_set: expected at most 7182"),
        wrong("no seeding: two calls give two different models", '''
def train_digits(train_set, config):
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
    return model
''', "the logits of a second call with the same config"),
        wrong("float labels for CrossEntropyLoss", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            loss_fn(model(x), y.float()).backward()
            optimizer.step()
    return model
''', "expected target dtype to be Long or Byte, but got Float"),
        wrong("no shuffling: the loader deals the samples in order", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"])
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model
''', "expected a shuffled order"),
        wrong("batch size hard-coded to 32", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=32, shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model
''', "expected batches of config['batch_size'] = 24"),
        wrong("learning rate hard-coded to 0.01", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model
''', "the logits after changing config['lr'] alone"),
        wrong("a fixed seed of 0 instead of config['seed']", '''
def train_digits(train_set, config):
    torch.manual_seed(0)
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True,
                        generator=torch.Generator().manual_seed(0))
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model
''', "the logits after changing config['seed'] alone"),
        wrong("one epoch fewer (range(1, num_epochs))", '''
def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = nn.Sequential(nn.Linear(64, config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(1, config["num_epochs"]):
        for x, y in loader:
            optimizer.zero_grad()
            nn.functional.cross_entropy(model(x), y).backward()
            optimizer.step()
    return model
''', "samples drawn from train_set: expected at least"),
        right("uses set_seed and train_one_epoch from Exercises 1 and 2; a linear model", '''
def train_digits(train_set, config):
    generator = set_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True, generator=generator)
    model = nn.Linear(64, 10)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        train_one_epoch(model, loader, nn.CrossEntropyLoss(), optimizer)
    return model
'''),
        right("a tiny CNN on 8x8 images", '''
class TinyCNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
        self.head = nn.Linear(16 * 4 * 4, 10)

    def forward(self, x):
        return self.head(self.features(x.reshape(-1, 1, 8, 8)).flatten(1))


def train_digits(train_set, config):
    torch.manual_seed(config["seed"])
    loader = DataLoader(train_set, batch_size=config["batch_size"], shuffle=True)
    model = TinyCNN()
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    for epoch in range(config["num_epochs"]):
        model.train()
        for x, y in loader:
            loss = nn.functional.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return model.eval()
'''),
    ],
}
