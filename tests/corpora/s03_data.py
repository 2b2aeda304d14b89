"""Wrong and right answers for 03_data (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("from_numpy keeps NumPy's float64", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.from_numpy(features)
        self.y = None if targets is None else torch.from_numpy(targets).long()

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]
''', "expected dtype torch.float32, found torch.float64"),
        wrong("int32 labels kept as they are", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = None if targets is None else torch.from_numpy(targets)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]
''', "expected dtype torch.int64, found torch.int32"),
        wrong("float labels, as for a regression", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = None if targets is None else torch.tensor(targets, dtype=torch.float32)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]
''', "expected dtype torch.int64, found torch.float32"),
        wrong("`if targets:` on a NumPy array", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = torch.tensor(targets, dtype=torch.int64) if targets else None

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]
''', "The truth value of an array with more than one element is ambiguous"),
        wrong("__len__ off by one", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = None if targets is None else torch.tensor(targets, dtype=torch.int64)

    def __len__(self):
        return len(self.x) - 1

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]
''', "len(TabularDataset(features, targets)): expected 3, found 2"),
        wrong("returns (x, None) without targets", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = None if targets is None else torch.tensor(targets, dtype=torch.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], (None if self.y is None else self.y[i])
''', "test[2] (no targets): expected a torch.Tensor, found tuple"),
        wrong("a slice keeps a dimension: y has shape (1,)", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = None if targets is None else torch.tensor(targets, dtype=torch.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i:i + 1]
''', "train[1][1] (y): expected shape (), found (1,)"),
        wrong("features returned as a Python list", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.features = features
        self.y = None if targets is None else torch.tensor(targets, dtype=torch.int64)

    def __len__(self):
        return len(self.features)

    def __getitem__(self, i):
        x = self.features[i].tolist()
        return x if self.y is None else (x, self.y[i])
''', "train[1][0] (x): expected a torch.Tensor, found list"),
        wrong("labels kept in one float32 table with the features: large labels lose digits", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.has_targets = targets is not None
        table = features if targets is None else np.column_stack([features, targets])
        self.table = torch.tensor(table, dtype=torch.float32)

    def __len__(self):
        return len(self.table)

    def __getitem__(self, i):
        if not self.has_targets:
            return self.table[i]
        return self.table[i, :-1], self.table[i, -1].long()
''', "int64 targets up to 2**62: expected values"),
        right("torch.tensor with a dtype, LongTensor for the labels", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.tensor(features, dtype=torch.float32)
        self.y = torch.LongTensor(targets) if targets is not None else None

    def __len__(self):
        return int(self.x.size(0))

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i]
        return self.x[i], self.y[i]
'''),
        wrong("keeps NumPy arrays and converts one sample at a time", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.features = np.asarray(features, dtype=np.float32)
        self.targets = targets

    def __len__(self):
        return self.features.shape[0]

    def __getitem__(self, index):
        x = torch.from_numpy(self.features[index])
        if self.targets is None:
            return x
        return x, torch.tensor(int(self.targets[index]))
''', "expected only indexing of tensors made in __init__, found calls to ['torch.from_numpy', 'torch.tensor']"),
        wrong("torch.tensor at every read", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.features, self.targets = features, targets
        self.y = targets

    def __len__(self):
        return len(self.features)

    def __getitem__(self, i):
        x = torch.tensor(self.features[i], dtype=torch.float32)
        if self.targets is None:
            return x
        return x, torch.tensor(self.targets[i], dtype=torch.int64)
''', "expected only indexing of tensors made in __init__, found calls to ['torch.tensor'] while reading"),
        wrong("from_numpy once, but the dtypes converted at every read", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.x = torch.from_numpy(features)
        self.y = None if targets is None else torch.from_numpy(targets)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        if self.y is None:
            return self.x[i].float()
        return self.x[i].float(), self.y[i].long()
''', "after features changed: expected values"),
        right("a has_targets flag and .float() / .long()", '''
class TabularDataset(Dataset):
    def __init__(self, features, targets=None):
        self.has_targets = targets is not None
        self.x = torch.as_tensor(features).float()
        if self.has_targets:
            self.y = torch.as_tensor(targets).long()

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return (self.x[i], self.y[i]) if self.has_targets else self.x[i]
'''),
    ],
    "02": [
        wrong("the parts' index lists, not the parts", '''
def split_dataset(dataset, fractions, seed):
    parts = random_split(dataset, fractions, generator=torch.Generator().manual_seed(seed))
    return [list(part.indices) for part in parts]
''', "these look like indices: return the datasets themselves"),
        wrong("a shuffled index tensor cut in pieces", '''
def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    sizes = [int(f * n) for f in fractions]
    sizes[0] += n - sum(sizes)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    return list(torch.split(order, sizes))
''', "these look like indices: return the datasets themselves"),
        wrong("lengths from int(n * fraction) do not add up", '''
def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    lengths = [int(n * f) for f in fractions]
    return random_split(dataset, lengths, generator=torch.Generator().manual_seed(seed))
''', "Sum of input lengths does not equal the length of the input dataset"),
        wrong("no generator: the split changes every call", '''
def split_dataset(dataset, fractions, seed):
    return random_split(dataset, fractions)
''', "PyTorch's global random state after split_dataset(Numbered(101), [0.8, 0.2], 0): split_dataset changed it"),
        wrong("seeds the global random state", '''
def split_dataset(dataset, fractions, seed):
    torch.manual_seed(seed)
    return random_split(dataset, fractions)
''', "PyTorch's global random state after split_dataset(Numbered(101), [0.8, 0.2], 0): split_dataset changed it"),
        wrong("np.random.seed and a NumPy permutation", '''
def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    np.random.seed(seed)
    order = np.random.permutation(n).tolist()
    bounds = [round(sum(fractions[:k]) * n) for k in range(len(fractions) + 1)]
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds, bounds[1:])]
''', "NumPy's (np.random) global random state after split_dataset(Numbered(101), [0.8, 0.2], 0)"),
        wrong("random.seed and random.shuffle", '''
import random


def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    order = list(range(n))
    random.seed(seed)
    random.shuffle(order)
    bounds = [round(sum(fractions[:k]) * n) for k in range(len(fractions) + 1)]
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds, bounds[1:])]
''', "Python's (random) global random state after split_dataset(Numbered(101), [0.8, 0.2], 0)"),
        right("a random.Random of its own", '''
import random


def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    order = list(range(n))
    random.Random(seed).shuffle(order)
    bounds = [round(sum(fractions[:k]) * n) for k in range(len(fractions) + 1)]
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds, bounds[1:])]
'''),
        wrong("a generator that is never seeded", '''
def split_dataset(dataset, fractions, seed):
    return random_split(dataset, fractions, generator=torch.Generator())
''', "different seeds gave the same split"),
        wrong("a fixed seed instead of the argument", '''
def split_dataset(dataset, fractions, seed):
    return random_split(dataset, fractions, generator=torch.Generator().manual_seed(42))
''', "different seeds gave the same split"),
        wrong("slices, not a random split", '''
def split_dataset(dataset, fractions, seed):
    parts, start = [], 0
    lengths = [int(len(dataset) * f) for f in fractions]
    lengths[0] += len(dataset) - sum(lengths)
    for length in lengths:
        parts.append(Subset(dataset, range(start, start + length)))
        start += length
    return parts
''', "the split must be random (random_split), not a slice"),
        wrong("rounded lengths do not always add up", '''
def split_dataset(dataset, fractions, seed):
    lengths = [round(len(dataset) * f) for f in fractions]
    return random_split(dataset, lengths, generator=torch.Generator().manual_seed(seed))
''', "Sum of input lengths does not equal the length of the input dataset"),
        right("randperm with a generator, sizes computed by hand", '''
def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    sizes = [int(n * f) for f in fractions]
    for k in range(n - sum(sizes)):
        sizes[k % len(sizes)] += 1
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed)).tolist()
    parts, start = [], 0
    for size in sizes:
        parts.append(Subset(dataset, order[start:start + size]))
        start += size
    return parts
'''),
        right("NumPy's generator for the permutation", '''
def split_dataset(dataset, fractions, seed):
    n = len(dataset)
    order = np.random.default_rng(seed).permutation(n).tolist()
    bounds = [round(sum(fractions[:k]) * n) for k in range(len(fractions) + 1)]
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds, bounds[1:])]
'''),
    ],
    "03": [
        wrong("forgets the last, smaller batch", '''
def batch_sizes(n, batch_size, drop_last):
    return [batch_size] * (n // batch_size)
''', "batch_sizes(10, 4, drop_last=False): expected [4, 4, 2], found [4, 4]"),
        wrong("every batch full size", '''
import math


def batch_sizes(n, batch_size, drop_last):
    return [batch_size] * math.ceil(n / batch_size)
''', "batch_sizes(10, 4, drop_last=False): expected [4, 4, 2], found [4, 4, 4]"),
        wrong("ignores drop_last", '''
def batch_sizes(n, batch_size, drop_last):
    return [min(batch_size, n - start) for start in range(0, n, batch_size)]
''', "batch_sizes(10, 4, drop_last=True): expected [4, 4], found [4, 4, 2]"),
        wrong("range up to n inclusive adds an empty batch", '''
def batch_sizes(n, batch_size, drop_last):
    sizes = [min(batch_size, n - start) for start in range(0, n + 1, batch_size)]
    return [s for s in sizes if s == batch_size] if drop_last else sizes
''', "batch_sizes(8, 4, drop_last=False): expected [4, 4], found [4, 4, 0]"),
        wrong("returns the number of batches", '''
def batch_sizes(n, batch_size, drop_last):
    return len(DataLoader(range(n), batch_size=batch_size, drop_last=drop_last))
''', "expected a list of Python ints, found 3"),
        wrong("drop_last read the wrong way round", '''
def batch_sizes(n, batch_size, drop_last):
    sizes = [batch_size] * (n // batch_size)
    if n % batch_size and drop_last:
        sizes.append(n % batch_size)
    return sizes
''', "batch_sizes(10, 4, drop_last=False): expected [4, 4, 2], found [4, 4]"),
        right("ask a real DataLoader", '''
def batch_sizes(n, batch_size, drop_last):
    loader = DataLoader(TensorDataset(torch.zeros(n)), batch_size=batch_size, drop_last=drop_last)
    return [x.shape[0] for (x,) in loader]
'''),
        right("a while loop", '''
def batch_sizes(n, batch_size, drop_last):
    sizes, left = [], n
    while left >= batch_size:
        sizes.append(batch_size)
        left -= batch_size
    if left > 0 and not drop_last:
        sizes.append(left)
    return sizes
'''),
    ],
    "04": [
        wrong("shuffles the test loader too", '''
def make_loaders(train_set, test_set, batch_size, seed):
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=batch_size, shuffle=True)
    return train_loader, test_loader
''', "shuffle=False for the test loader"),
        wrong("does not shuffle the train loader", '''
def make_loaders(train_set, test_set, batch_size, seed):
    train_loader = DataLoader(train_set, batch_size=batch_size, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=batch_size)
    return train_loader, test_loader
''', "the train loader must shuffle"),
        wrong("forgets drop_last on the train loader", '''
def make_loaders(train_set, test_set, batch_size, seed):
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=batch_size)
    return train_loader, test_loader
''', "expected batch sizes [4, 4] (the last incomplete batch dropped), found [4, 4, 2]"),
        wrong("drop_last on the test loader too", '''
def make_loaders(train_set, test_set, batch_size, seed):
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=batch_size, drop_last=True)
    return train_loader, test_loader
''', "every test sample must be used once per epoch"),
        wrong("torch.manual_seed instead of a generator", '''
def make_loaders(train_set, test_set, batch_size, seed):
    torch.manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=batch_size)
    return train_loader, test_loader
''', "two train loaders made with seed=0: expected the same first epoch"),
        wrong("one fixed permutation for every epoch", '''
def make_loaders(train_set, test_set, batch_size, seed):
    order = torch.randperm(len(train_set), generator=torch.Generator().manual_seed(seed)).tolist()
    train_loader = DataLoader(train_set, batch_size=batch_size, sampler=order, drop_last=True)
    test_loader = DataLoader(test_set, batch_size=batch_size)
    return train_loader, test_loader
''', "the train loader must reshuffle every epoch"),
        wrong("the loaders returned in the wrong order", '''
def make_loaders(train_set, test_set, batch_size, seed):
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator)
    test_loader = DataLoader(test_set, batch_size=batch_size)
    return test_loader, train_loader
''', "test_loader: every test sample must be used once per epoch"),
        wrong("num_workers=2 copied from a tutorial", '''
def make_loaders(train_set, test_set, batch_size, seed):
    generator = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=generator,
                              num_workers=2)
    test_loader = DataLoader(test_set, batch_size=batch_size, num_workers=2)
    return train_loader, test_loader
''', "train_loader.num_workers: expected 0, found 2"),
        right("a RandomSampler with its own generator", '''
from torch.utils.data import RandomSampler


def make_loaders(train_set, test_set, batch_size, seed):
    sampler = RandomSampler(train_set, generator=torch.Generator().manual_seed(seed))
    train_loader = DataLoader(train_set, batch_size, sampler=sampler, drop_last=True, num_workers=0)
    test_loader = DataLoader(test_set, batch_size, shuffle=False, drop_last=False, num_workers=0)
    return train_loader, test_loader
'''),
        right("a generator seeded with Generator.manual_seed on its own line", '''
def make_loaders(train_set, test_set, batch_size, seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True, drop_last=True, generator=g),
            DataLoader(test_set, batch_size=batch_size))
'''),
    ],
    "05": [
        wrong("torch.stack without padding", '''
def pad_collate(sequences, padding_value=0):
    return torch.stack(sequences), torch.tensor([len(s) for s in sequences])
''', "stack expects each tensor to be equal size"),
        wrong("pad_sequence without batch_first gives (L, B)", '''
def pad_collate(sequences, padding_value=0):
    padded = torch.nn.utils.rnn.pad_sequence(sequences, padding_value=padding_value)
    return padded, torch.tensor([len(s) for s in sequences])
''', "padded: expected shape (4, 3), found (3, 4)"),
        wrong("ignores padding_value", '''
def pad_collate(sequences, padding_value=0):
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True)
    return padded, torch.tensor([len(s) for s in sequences])
''', "fill the gaps with padding_value, not with 0"),
        wrong("lengths as a Python list", '''
def pad_collate(sequences, padding_value=0):
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True, padding_value=padding_value)
    return padded, [len(s) for s in sequences]
''', "lengths: expected a torch.Tensor, found list"),
        wrong("lengths as int32", '''
def pad_collate(sequences, padding_value=0):
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True, padding_value=padding_value)
    return padded, torch.tensor([len(s) for s in sequences], dtype=torch.int32)
''', "lengths: expected dtype torch.int64, found torch.int32"),
        wrong("a float buffer loses integer token ids' dtype", '''
def pad_collate(sequences, padding_value=0):
    lengths = torch.tensor([len(s) for s in sequences])
    padded = torch.full((len(sequences), int(lengths.max())), float(padding_value))
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
    return padded, lengths
''', "found torch.float32"),
        wrong("a float32 buffer converted back: large token ids lose digits", '''
def pad_collate(sequences, padding_value=0):
    lengths = torch.tensor([len(s) for s in sequences])
    padded = torch.full((len(sequences), int(lengths.max())), float(padding_value))
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
    return padded.to(sequences[0].dtype), lengths
''', "padded for pad_collate of lengths"),
        wrong("pads in float64, then converts back: ids above 2**53 are rounded", '''
def pad_collate(sequences, padding_value=0):
    p = torch.nn.utils.rnn.pad_sequence([s.double() for s in sequences], batch_first=True,
                                        padding_value=padding_value)
    return p.to(sequences[0].dtype), torch.tensor([len(s) for s in sequences])
''', "int64 from 2**62 to 2**63 - 1, padding_value=0: expected values"),
        wrong("a float64 buffer filled row by row", '''
def pad_collate(sequences, padding_value=0):
    lengths = torch.tensor([len(s) for s in sequences])
    padded = torch.full((len(sequences), int(lengths.max())), padding_value, dtype=torch.float64)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s.to(torch.float64)
    return padded.to(sequences[0].dtype), lengths
''', "padded for pad_collate of lengths"),
        wrong("torch.full takes padding_value's type: an int buffer for float sequences", '''
def pad_collate(sequences, padding_value=0):
    lengths = torch.tensor([len(s) for s in sequences])
    padded = torch.full((len(sequences), int(lengths.max())), padding_value)
    for i, s in enumerate(sequences):
        padded[i, :len(s)] = s
    return padded, lengths
''', "padded: expected dtype torch.float32, found torch.int64"),
        wrong("sorts the batch by length", '''
def pad_collate(sequences, padding_value=0):
    sequences = sorted(sequences, key=len, reverse=True)
    padded = torch.nn.utils.rnn.pad_sequence(sequences, batch_first=True, padding_value=padding_value)
    return padded, torch.tensor([len(s) for s in sequences])
''', "padded: expected values [1, 2, 3, 4, 0, 0, ...], found [1, 2, 3, 7, 8, 9, ...]"),
        right("new_full on the first sequence", '''
def pad_collate(sequences, padding_value=0):
    longest = max(s.numel() for s in sequences)
    padded = sequences[0].new_full((len(sequences), longest), padding_value)
    for i, s in enumerate(sequences):
        padded[i, :s.numel()] = s
    return padded, torch.tensor([s.numel() for s in sequences], dtype=torch.int64)
'''),
        right("a loop filling a buffer of the right dtype", '''
def pad_collate(sequences, padding_value=0):
    lengths = torch.tensor([s.shape[0] for s in sequences], dtype=torch.long)
    padded = torch.full((len(sequences), int(lengths.max())), padding_value, dtype=sequences[0].dtype)
    for row, s in zip(padded, sequences):
        row[:len(s)] = s
    return padded, lengths
'''),
        right("F.pad each sequence, then stack", '''
import torch.nn.functional as F


def pad_collate(sequences, padding_value=0):
    longest = max(len(s) for s in sequences)
    padded = torch.stack([F.pad(s, (0, longest - len(s)), value=padding_value) for s in sequences])
    return padded, torch.tensor([len(s) for s in sequences])
'''),
    ],
    "06": [
        wrong("transforms every sample once, in __init__", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.samples = []
        for i in range(len(dataset)):
            x, y = dataset[i]
            self.samples.append((transform(x) if transform else x, y))

    def __len__(self):
        return len(self.samples)

    def __getitem__(self, i):
        return self.samples[i]
''', "the transform ran 5 times while the dataset was made"),
        wrong("__len__ off by one", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.dataset = dataset
        self.transform = transform

    def __len__(self):
        return len(self.dataset) - 1

    def __getitem__(self, i):
        x, y = self.dataset[i]
        if self.transform is not None:
            x = self.transform(x)
        return x, y
''', "len(wrapped): expected 5, found 4"),
        wrong("transforms the whole (x, y) pair", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.dataset = dataset
        self.transform = transform

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        sample = self.dataset[i]
        return self.transform(sample) if self.transform else sample
''', "wrapped[3]: expected a tuple of two values, found tuple of length 4"),
        wrong("transforms y too", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.dataset = dataset
        self.transform = transform or (lambda v: v)

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x, y = self.dataset[i]
        return self.transform(x), self.transform(y)
''', "wrapped[3][1] (y): expected values [1], found [2]"),
        wrong("calls a transform that is None", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.dataset = dataset
        self.transform = transform

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x, y = self.dataset[i]
        return self.transform(x), y
''', "'NoneType' object is not callable"),
        wrong("forgets to return y", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.dataset = dataset
        self.transform = transform

    def __len__(self):
        return len(self.dataset)

    def __getitem__(self, i):
        x = self.dataset[i][0]
        return self.transform(x) if self.transform else x
''', "wrapped[3]: expected a tuple of two values, found torch.Tensor"),
        right("an identity transform stands in for None", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.base = dataset
        self.transform = transform if transform is not None else (lambda x: x)

    def __getitem__(self, index):
        x, y = self.base[index]
        return self.transform(x), y

    def __len__(self):
        return len(self.base)
'''),
        right("unpacks the sample with a star", '''
class TransformDataset(Dataset):
    def __init__(self, dataset, transform=None):
        self.dataset, self.transform = dataset, transform

    def __len__(self):
        return self.dataset.__len__()

    def __getitem__(self, i):
        x, *rest = self.dataset[i]
        if callable(self.transform):
            x = self.transform(x)
        return (x, *rest)
'''),
    ],
    "07": [
        wrong("statistics of the whole dataset behind the Subset", '''
def fit_standardize(train_set):
    x = train_set.dataset.tensors[0]
    std = x.std(dim=0)
    return x.mean(dim=0), torch.where(std == 0, torch.ones_like(std), std)
''', "mean: expected values [3, 20, 5], found [27.25"),
        wrong("the population standard deviation (divides by N)", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    std = x.std(dim=0, unbiased=False)
    return x.mean(dim=0), torch.where(std == 0, torch.ones_like(std), std)
''', "std: expected values [2, 10, 1], found [1.633"),
        wrong("a constant feature keeps std 0", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    return x.mean(dim=0), x.std(dim=0)
''', "std: expected values [2, 10, 1], found [2, 10, 0]"),
        wrong("one mean over every number", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    return x.mean(), x.std()
''', "mean: expected shape (3,), found ()"),
        wrong("statistics per sample (dim=1)", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    std = x.std(dim=1)
    return x.mean(dim=1), torch.where(std == 0, torch.ones_like(std), std)
''', "mean: expected values [3, 20, 5], found [5.333"),
        wrong("a small epsilon instead of 1 for a constant feature", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    return x.mean(dim=0), x.std(dim=0).clamp(min=1e-8)
''', "std: expected values [2, 10, 1], found [2, 10, 1e-08]"),
        wrong("NumPy arrays instead of tensors", '''
def fit_standardize(train_set):
    x = np.stack([train_set[i][0].numpy() for i in range(len(train_set))])
    std = x.std(axis=0, ddof=1)
    std[std == 0] = 1.0
    return x.mean(axis=0), std
''', "mean: expected a torch.Tensor, found numpy.ndarray"),
        wrong("std == 0 misses a constant float feature whose computed std is 8e-9", '''
def fit_standardize(train_set):
    x, _ = next(iter(DataLoader(train_set, batch_size=len(train_set))))
    mean = x.mean(0)
    std = x.std(0)
    std[std == 0] = 1.0
    return mean, std
''', "std of fit_standardize of 7 samples of one feature, all 0.1: expected values [1], found [8.048e-09]"),
        wrong("a threshold misses a constant feature of large values (std 0.008)", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    std = x.std(dim=0)
    return x.mean(dim=0), torch.where(std < 1e-6, torch.ones_like(std), std)
''', "std of fit_standardize of 7 samples of one feature, all 100000.3: expected values [1], found [0.008"),
        wrong("a threshold relative to the mean", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    s = x.std(0)
    m = x.mean(0)
    return m, torch.where(s <= 1e-6 * m.abs(), torch.ones_like(s), s)
''', "std of fit_standardize of 3 samples, features [1000000.0, 1000000.5, 1000001.0]"),
        wrong("torch.isclose(max, min): a relative tolerance", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    constant = torch.isclose(x.max(dim=0).values, x.min(dim=0).values)
    std = x.std(dim=0)
    return x.mean(dim=0), torch.where(constant, torch.ones_like(std), std)
''', "is not constant, however small its std"),
        wrong("a threshold on the spread, max - min < 1e-6", '''
def fit_standardize(train_set):
    x = torch.stack([train_set[i][0] for i in range(len(train_set))])
    std = x.std(dim=0)
    constant = x.max(dim=0).values - x.min(dim=0).values < 1e-6
    return x.mean(dim=0), torch.where(constant, torch.ones_like(std), std)
''', "std of fit_standardize of 3 samples, features"),
        right("one batch of the whole split from a DataLoader, max == min", '''
def fit_standardize(train_set):
    x, _ = next(iter(DataLoader(train_set, batch_size=len(train_set))))
    mean = x.mean(0)
    std = x.std(0)
    std[x.max(0).values == x.min(0).values] = 1.0
    return mean, std
'''),
        right("sums over a loop, then masked_fill where every sample equals the first", '''
def fit_standardize(train_set):
    samples = [train_set[i][0] for i in range(len(train_set))]
    n = len(samples)
    mean = sum(samples) / n
    std = (sum((x - mean) ** 2 for x in samples) / (n - 1)).sqrt()
    constant = torch.stack([x == samples[0] for x in samples]).all(dim=0)
    return mean, std.masked_fill(constant, 1.0)
'''),
    ],
}
