"""Wrong and right answers for 00_intro (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("floor division counts only the full batches", '''
def make_batches(items, batch_size, drop_last=False):
    return [items[i * batch_size:(i + 1) * batch_size] for i in range(len(items) // batch_size)]
''', "expected [[1, 2], [3, 4], [5]], found [[1, 2], [3, 4]]"),
        wrong("drop_last ignored", '''
def make_batches(items, batch_size, drop_last=False):
    return [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
''', "expected [[1, 2], [3, 4]], found [[1, 2], [3, 4], [5]]"),
        wrong("drop_last always drops the last batch, even a full one", '''
def make_batches(items, batch_size, drop_last=False):
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    if drop_last:
        batches = batches[:-1]
    return batches
''', "drop_last only drops a batch that is smaller than batch_size"),
        wrong("a generator, not a list", '''
def make_batches(items, batch_size, drop_last=False):
    for i in range(0, len(items), batch_size):
        batch = items[i:i + batch_size]
        if len(batch) == batch_size or not drop_last:
            yield batch
''', "expected a list of lists, found generator"),
        wrong("pops from the caller's list", '''
def make_batches(items, batch_size, drop_last=False):
    batches = []
    while items:
        batch = [items.pop(0) for _ in range(min(batch_size, len(items)))]
        if len(batch) == batch_size or not drop_last:
            batches.append(batch)
    return batches
''', "items after the call: expected [1, 2, 3, 4, 5], found []"),
        wrong("drop_last is keyword-only", '''
def make_batches(items, batch_size, *, drop_last=False):
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    if drop_last and batches and len(batches[-1]) < batch_size:
        batches.pop()
    return batches
''', "make_batches() takes 2 positional arguments but 3 were given"),
        wrong("looks at the last batch of an empty list", '''
def make_batches(items, batch_size, drop_last=False):
    batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
    if drop_last and len(batches[-1]) < batch_size:
        batches.pop()
    return batches
''', "IndexError: list index out of range"),
        right("one item at a time", '''
def make_batches(items, batch_size, drop_last=False):
    batches, current = [], []
    for item in items:
        current.append(item)
        if len(current) == batch_size:
            batches.append(current)
            current = []
    if current and not drop_last:
        batches.append(current)
    return batches
'''),
        right("count the batches with ceiling division", '''
def make_batches(items, batch_size, drop_last=False):
    n = len(items) // batch_size if drop_last else -(-len(items) // batch_size)
    return [list(items[i * batch_size:(i + 1) * batch_size]) for i in range(n)]
'''),
    ],
    "02": [
        wrong("the mean of the batch means", '''
class RunningMean:
    def __init__(self):
        self.values = []
        self.count = 0

    def update(self, value, n=1):
        self.values.append(value)
        self.count += n

    def mean(self):
        return sum(self.values) / len(self.values) if self.values else 0.0
''', "expected 2.5, found 3"),
        wrong("a class attribute shared by every instance", '''
class RunningMean:
    samples = []

    def __init__(self):
        self.count = 0

    def update(self, value, n=1):
        self.samples.extend([value] * n)
        self.count += n

    def mean(self):
        return sum(self.samples) / len(self.samples) if self.samples else 0.0
''', "a second RunningMean after update(10.0): expected 10"),
        wrong("divides by zero before any update", '''
class RunningMean:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.total += value * n
        self.count += n

    def mean(self):
        return self.total / self.count
''', "ZeroDivisionError"),
        wrong("counts batches instead of samples", '''
class RunningMean:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, n=1):
        self.total += value * n
        self.count += 1

    def mean(self):
        return self.total / self.count if self.count else 0.0
''', "count after update(2.0, n=3) and update(4.0, n=1): expected 4, found 2"),
        wrong("the sample count is a float", '''
class RunningMean:
    def __init__(self):
        self.total = 0.0
        self.count = 0.0

    def update(self, value, n=1):
        self.total += value * n
        self.count += n

    def mean(self):
        return self.total / self.count if self.count else 0.0
''', "RunningMean().count: expected a Python int, found float"),
        wrong("count only exists after the first update", '''
class RunningMean:
    def __init__(self):
        self.total = 0.0

    def update(self, value, n=1):
        self.total += value * n
        self.count = getattr(self, "count", 0) + n

    def mean(self):
        return self.total / self.count if getattr(self, "count", 0) else 0.0
''', "object has no attribute 'count'"),
        wrong("n is keyword-only", '''
class RunningMean:
    def __init__(self):
        self.total = 0.0
        self.count = 0

    def update(self, value, *, n=1):
        self.total += value * n
        self.count += n

    def mean(self):
        return self.total / self.count if self.count else 0.0
''', "takes 2 positional arguments but 3 were given"),
        right("an incremental mean", '''
class RunningMean:
    def __init__(self):
        self.count = 0
        self._mean = 0.0

    def update(self, value, n=1):
        self.count += n
        self._mean += (value - self._mean) * n / self.count

    def mean(self):
        return float(self._mean)
'''),
        right("keeps every batch and sums at the end", '''
class RunningMean:
    def __init__(self):
        self.batches = []

    @property
    def count(self):
        return sum(n for _, n in self.batches)

    def update(self, value, n=1):
        self.batches.append((value, n))

    def mean(self):
        if not self.batches:
            return 0.0
        return sum(value * n for value, n in self.batches) / self.count
'''),
    ],
    "03": [
        wrong("axis=1: one mean per row", '''
def standardize(features):
    return (features - features.mean(axis=1)) / features.std(axis=1)
''', "operands could not be broadcast together with shapes (2,3) (2,)"),
        wrong("no guard for a constant column", '''
def standardize(features):
    return (features - features.mean(axis=0)) / features.std(axis=0)
''', "found nan in column(s) [2]"),
        wrong("the sample standard deviation (ddof=1)", '''
def standardize(features):
    std = features.std(axis=0, ddof=1)
    return (features - features.mean(axis=0)) / np.where(std == 0, 1.0, std)
''', "ddof=1 gives +-0.7071 here"),
        wrong("returns a list of lists", '''
def standardize(features):
    std = features.std(axis=0)
    return ((features - features.mean(axis=0)) / np.where(std == 0, 1.0, std)).tolist()
''', "expected a numpy.ndarray, found list"),
        wrong("standardises features in place", '''
def standardize(features):
    std = features.std(axis=0)
    features -= features.mean(axis=0)
    features /= np.where(std == 0, 1.0, std)
    return features
''', "features after the call"),
        wrong("one mean and std for the whole array", '''
def standardize(features):
    std = features.std()
    return (features - features.mean()) / (std if std > 0 else 1.0)
''', "standardize(features): expected values [-1, -1, 0, 1, 1, 0]"),
        wrong("std == 0 misses a constant column whose std is a rounding error", '''
def standardize(features):
    std = features.std(axis=0)
    return (features - features.mean(axis=0)) / np.where(std == 0, 1.0, std)
''', "a constant column of 0.1s: expected values [0, 0, 0], found [-1, -1, -1]"),
        wrong("adds an epsilon to the std instead of treating a tiny std as 0", '''
def standardize(features):
    return (features - features.mean(axis=0)) / (features.std(axis=0) + 1e-8)
''', "divide by the std itself, with no epsilon added"),
        wrong("a tolerance far above 1e-8 zeroes columns of small spread", '''
def standardize(features):
    std = features.std(axis=0)
    return np.where(std < 1e-4, 0.0, (features - features.mean(axis=0)) / np.where(std < 1e-4, 1.0, std))
''', "every other column is divided by its std (ddof=0), however small"),
        right("keepdims and a boolean mask, dividing by 1 where the std is tiny", '''
def standardize(features):
    mean = features.mean(axis=0, keepdims=True)
    std = features.std(axis=0, keepdims=True)
    std[std < 1e-8] = 1.0
    return (features - mean) / std
'''),
        right("np.where after the division (warns, but is right)", '''
def standardize(features):
    centred = features - features.mean(axis=0)
    std = np.sqrt((centred ** 2).mean(axis=0))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(std >= 1e-8, centred / std, 0.0)
'''),
        right("np.isclose(std, 0), whose default atol is 1e-8", '''
def standardize(features):
    std = np.std(features, axis=0)
    flat = np.isclose(std, 0)
    return np.where(flat, 0.0, (features - np.mean(features, axis=0)) / np.where(flat, 1.0, std))
'''),
    ],
    "04": [
        wrong("alphabetical order", '''
def order_steps(steps):
    return sorted(steps)
''', "'backward pass' comes before 'forward pass'"),
        wrong("zero_grad after backward", '''
def order_steps(steps):
    procedure = ["load data", "define network", "define loss function", "define optimizer", "forward pass",
                 "compute loss", "backward pass", "zero gradients", "update parameters", "validate", "test"]
    return sorted(steps, key=procedure.index)
''', "zeroing after backward() throws the new gradients away"),
        wrong("step before backward", '''
def order_steps(steps):
    procedure = ["load data", "define network", "define loss function", "define optimizer", "zero gradients",
                 "forward pass", "compute loss", "update parameters", "backward pass", "validate", "test"]
    return sorted(steps, key=procedure.index)
''', "optimizer.step() uses the gradients that backward() computed"),
        wrong("list.sort returns None", '''
def order_steps(steps):
    procedure = ["load data", "define network", "define loss function", "define optimizer", "zero gradients",
                 "forward pass", "compute loss", "backward pass", "update parameters", "validate", "test"]
    return steps.sort(key=procedure.index)
''', "expected a list, found NoneType"),
        wrong("sorts the caller's list in place", '''
def order_steps(steps):
    procedure = ["load data", "define network", "define loss function", "define optimizer", "zero gradients",
                 "forward pass", "compute loss", "backward pass", "update parameters", "validate", "test"]
    steps.sort(key=procedure.index)
    return steps
''', "steps after the call"),
        wrong("returns the whole procedure, whatever it is given", '''
def order_steps(steps):
    return ["load data", "define network", "define loss function", "define optimizer", "zero gradients",
            "forward pass", "compute loss", "backward pass", "update parameters", "validate", "test"]
''', "expected the same names as given"),
        wrong("the optimizer before the network it optimizes", '''
def order_steps(steps):
    procedure = ["load data", "define optimizer", "define network", "define loss function", "zero gradients",
                 "forward pass", "compute loss", "backward pass", "update parameters", "validate", "test"]
    return sorted(steps, key=procedure.index)
''', "the optimizer is built from model.parameters()"),
        right("filter the procedure, zero_grad just before backward", '''
def order_steps(steps):
    procedure = ["define loss function", "load data", "define network", "define optimizer", "forward pass",
                 "compute loss", "zero gradients", "backward pass", "update parameters", "validate", "test"]
    return [name for name in procedure if name in steps]
'''),
        right("ranks in a dict", '''
def order_steps(steps):
    rank = {"load data": 0, "define network": 1, "define loss function": 2, "define optimizer": 3,
            "zero gradients": 4, "forward pass": 5, "compute loss": 6, "backward pass": 7,
            "update parameters": 8, "validate": 9, "test": 10}
    return sorted(steps, key=lambda name: rank[name])
'''),
    ],
    "05": [
        wrong("returns the device's name, a string", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if mps_available is None:
        mps_available = torch.backends.mps.is_available()
    if prefer in ("auto", "cuda") and cuda_available:
        return "cuda"
    if prefer in ("auto", "mps") and mps_available:
        return "mps"
    return "cpu"
''', "expected a torch.device, found str 'cuda'"),
        wrong("no fallback when the preferred device is missing", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if mps_available is None:
        mps_available = torch.backends.mps.is_available()
    if prefer != "auto":
        return torch.device(prefer)
    if cuda_available:
        return torch.device("cuda")
    if mps_available:
        return torch.device("mps")
    return torch.device("cpu")
''', "prefer='cuda' falls back to the CPU when CUDA is not available"),
        wrong("ignores the flags and always asks torch", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    if prefer in ("auto", "cuda") and torch.cuda.is_available():
        return torch.device("cuda")
    if prefer in ("auto", "mps") and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
''', "ask torch only when a flag is None"),
        wrong("a flag left as None counts as not available", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    if prefer in ("auto", "cuda") and cuda_available:
        return torch.device("cuda")
    if prefer in ("auto", "mps") and mps_available:
        return torch.device("mps")
    return torch.device("cpu")
''', "(a flag that is None means: ask torch)"),
        wrong("auto tries MPS before CUDA", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    if cuda_available is None:
        cuda_available = torch.cuda.is_available()
    if mps_available is None:
        mps_available = torch.backends.mps.is_available()
    if prefer in ("auto", "mps") and mps_available:
        return torch.device("mps")
    if prefer in ("auto", "cuda") and cuda_available:
        return torch.device("cuda")
    return torch.device("cpu")
''', "expected device cuda, found mps"),
        wrong("a flag given as False is overruled by torch", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    cuda_available = cuda_available or torch.cuda.is_available()
    mps_available = mps_available or torch.backends.mps.is_available()
    if prefer in ("auto", "cuda") and cuda_available:
        return torch.device("cuda")
    if prefer in ("auto", "mps") and mps_available:
        return torch.device("mps")
    return torch.device("cpu")
''', "a flag that is given wins over what torch reports"),
        wrong("asks torch only when both flags are None", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    if cuda_available is None and mps_available is None:
        cuda_available = torch.cuda.is_available()
        mps_available = torch.backends.mps.is_available()
    if prefer in ("auto", "cuda") and cuda_available:
        return torch.device("cuda")
    if prefer in ("auto", "mps") and mps_available:
        return torch.device("mps")
    return torch.device("cpu")
''', "only a flag that is None asks torch"),
        right("a preference list, and cuda:0", '''
def pick_device(prefer="auto", cuda_available=None, mps_available=None):
    available = {
        "cuda": torch.cuda.is_available() if cuda_available is None else cuda_available,
        "mps": torch.backends.mps.is_available() if mps_available is None else mps_available,
    }
    wanted = ["cuda", "mps"] if prefer == "auto" else [prefer]
    for name in wanted:
        if name == "cpu" or available.get(name):
            return torch.device("cuda:0") if name == "cuda" else torch.device(name)
    return torch.device("cpu")
'''),
    ],
    "06": [
        wrong("the named tuple instead of its values", '''
def max_forms(x):
    return torch.max(x), torch.max(x, dim=1), torch.max(x, dim=1).indices, torch.max(x, torch.zeros_like(x))
''', "torch.return_types.max is a named tuple (values, indices)"),
        wrong("dim=0: one maximum per column", '''
def max_forms(x):
    values, indices = torch.max(x, 0)
    return torch.max(x), values, indices, torch.max(x, torch.zeros_like(x))
''', "row_values: expected shape (2,), found (3,). Hint: one maximum per row: reduce along dim=1"),
        wrong("largest as a Python number", '''
def max_forms(x):
    values, indices = torch.max(x, dim=1)
    return x.max().item(), values, indices, torch.max(x, torch.zeros_like(x))
''', "largest: expected a torch.Tensor, found float"),
        wrong("result[0] is the values, not the indices", '''
def max_forms(x):
    result = torch.max(x, dim=1)
    return torch.max(x), result[0], result[0], torch.max(x, torch.zeros_like(x))
''', "row_indices: expected dtype torch.int64, found torch.float32. Hint: the indices are the second field"),
        wrong("torch.max(x, 0) read as the maximum with 0", '''
def max_forms(x):
    values, indices = torch.max(x, dim=1)
    return torch.max(x), values, indices, torch.max(x, 0)
''', "an int second argument is a dim: torch.max(x, 0) reduces along dim 0"),
        wrong("clipped in place, which changes x", '''
def max_forms(x):
    values, indices = torch.max(x, dim=1)
    return torch.max(x), values, indices, x.clamp_(min=0)
''', "x after the call"),
        wrong("the maximum of the stacked pair is one number", '''
def max_forms(x):
    values, indices = torch.max(x, dim=1)
    return torch.max(x), values, indices, torch.max(torch.stack([x, torch.zeros_like(x)]))
''', "clipped: expected shape (2, 3), found (). Hint: the element-wise form keeps x's shape"),
        wrong("the zeros are made on the CPU, whatever x's device", '''
def max_forms(x):
    values, indices = torch.max(x, dim=1)
    return torch.max(x), values, indices, torch.max(x, torch.zeros(x.shape))
''', "is not on the expected device meta"),
        wrong("every position of the row maximum, from nonzero", '''
def max_forms(x):
    values = torch.max(x, dim=1).values
    indices = (x == values.unsqueeze(1)).nonzero()[:, 1]
    return torch.max(x), values, indices, torch.max(x, torch.zeros_like(x))
''', "row_indices, max_forms of"),
        right("methods, argmax and relu", '''
def max_forms(x):
    return x.max(), x.max(dim=1).values, x.argmax(dim=1), torch.relu(x)
'''),
        right("the last position of a tied maximum, and a mask product", '''
def max_forms(x):
    last = x.shape[1] - 1 - x.flip(1).argmax(dim=1)
    return x.max(), x.amax(dim=1), last, x * (x > 0)
'''),
        right("amax, a keepdim squeeze, and maximum with a scalar tensor", '''
def max_forms(x):
    values, indices = torch.max(x, dim=1, keepdim=True)
    return torch.amax(x), values.squeeze(1), indices.squeeze(1), torch.maximum(x, torch.tensor(0.0))
'''),
    ],
    "07": [
        wrong("dtype and device passed by position", '''
def make_tensor(shape, value, dtype, device):
    return torch.full(shape, value, dtype, device)
''', "full() takes 2 positional arguments but 4 were given"),
        wrong("dtype left to be inferred", '''
def make_tensor(shape, value, dtype, device):
    return torch.full(shape, value, device=device)
''', "expected dtype torch.float64, found torch.int64"),
        wrong("device ignored", '''
def make_tensor(shape, value, dtype, device):
    return torch.full(shape, value, dtype=dtype)
''', "expected device meta, found cpu"),
        wrong("a 0-dimensional tensor of the value", '''
def make_tensor(shape, value, dtype, device):
    return torch.tensor(value, dtype=dtype, device=device)
''', "expected shape (2, 3), found ()"),
        wrong("zeros with positional options", '''
def make_tensor(shape, value, dtype, device):
    return torch.zeros(shape, dtype, device) + value
''', "zeros() takes 1 positional argument but 3 were given"),
        wrong("torch.Tensor, whose dtype is always float32", '''
def make_tensor(shape, value, dtype, device):
    return torch.Tensor(*shape).fill_(value).to(device)
''', "expected dtype torch.float64, found torch.float32"),
        wrong("torch.full infers float32, then casts", '''
def make_tensor(shape, value, dtype, device):
    return torch.full(shape, value, device=device).to(dtype)
''', "make_tensor((2, 3), 0.1, torch.float64, 'cpu'): expected values [0.1, 0.1"),
        wrong("ones times the value, in float32, then cast", '''
def make_tensor(shape, value, dtype, device):
    return (torch.ones(shape) * value).to(dtype=dtype, device=device)
''', "expected values"),
        wrong("the value turned into a float first", '''
def make_tensor(shape, value, dtype, device):
    return torch.full(shape, float(value), dtype=dtype, device=device)
''', "expected values [9007199254740993, 9007199254740993, 9007199254740993], found [9007199254740992"),
        right("every argument by name", '''
def make_tensor(shape, value, dtype, device):
    return torch.full(size=shape, fill_value=value, dtype=dtype, device=device)
'''),
        right("empty, then fill in place", '''
def make_tensor(shape, value, dtype, device):
    return torch.empty(shape, dtype=dtype, device=device).fill_(value)
'''),
        right("zeros by keyword, then fill in place", '''
def make_tensor(shape, value, dtype, device):
    return torch.zeros(*shape, dtype=dtype, device=device).fill_(value)
'''),
    ],
}
