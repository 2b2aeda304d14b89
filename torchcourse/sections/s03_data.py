"""Section 3, Dataset and DataLoader: the machinery its notebook calls as `section`.

- `Numbered`, a dataset whose sample i is the number i (or first + i): it shows which samples a loader or a
  split picks, and in what order; `members` and `epoch` read such samples back.
- The checks the visible test cells call (exercises 1 to 7), with their messages and hints; hidden tests call
  some of them too.
- The drawing code of the section's figures: `draw_batch`, `draw_shuffled_epochs`, `draw_images`.

Helpers take the learner's function or class as an argument; they never look up a learner's name.
"""

import random

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from torchcourse import check


class Numbered(Dataset):
    """Sample i is the number first + i, so a batch or a split shows which samples it holds."""

    def __init__(self, n, first=0):
        self.n = n
        self.first = first

    def __getitem__(self, i):
        if not 0 <= i < self.n:
            raise IndexError(f"index {i} is out of range for {self.n} samples")
        return self.first + i

    def __len__(self):
        return self.n


def epoch(loader):
    """One pass over the loader: its batches as lists of sample numbers."""
    return [batch.tolist() for batch in loader]


# ---------------------------------------------------------------------------------------------------------
# Exercise 1: TabularDataset

FLOAT32_HINT = "features must be float32: convert them once in __init__ (NumPy gives float64)."
INT64_HINT = "one label is an int64 tensor of shape (); labels must be int64 for classification losses."
NO_TARGETS_HINT = "without targets, return x alone: not a pair, not (x, None)."


def check_tabular_batches(train, test, features):
    """A batch of 2 of `train` is [x_batch, y_batch]; a batch of 3 of `test` (no targets) is the features."""
    __tracebackhide__ = True
    batch = next(iter(DataLoader(train, batch_size=2)))
    check.that(len(batch) == 2, "a batch of DataLoader(train, batch_size=2)",
               f"expected [x_batch, y_batch], found {batch!r:.80}.")
    check.close(batch[0], torch.tensor([[1.0, 2.0], [3.0, 4.0]]), "x_batch of DataLoader(train, batch_size=2)")
    check.equal(batch[1], torch.tensor([0, 2]), "y_batch of DataLoader(train, batch_size=2)")
    check.close(next(iter(DataLoader(test, batch_size=3))), torch.tensor(features, dtype=torch.float32),
                "a batch of DataLoader(test, batch_size=3)", "without targets, a batch is one tensor of features.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: split_dataset. Its tests split Numbered(n, first=1000): sample i is 1000 + i.

FIRST = 1000


def members(part):
    """The sample numbers i (0 to n - 1) that a part of a split of Numbered(n, first=1000) holds, sorted."""
    return sorted(part[j] - FIRST for j in range(len(part)))


def check_samples(parts, n, name):
    """Each part is a dataset of samples of Numbered(n, first=1000) (1000 + i), not a list of indices i."""
    __tracebackhide__ = True
    for k, part in enumerate(parts):
        found = [part[j] for j in range(len(part))]
        kept = [v for v in found if type(v) is int and FIRST <= v < FIRST + n]
        indices = all(type(v) is int and 0 <= v < n or torch.is_tensor(v) and v.numel() == 1 for v in found)
        check.that(len(kept) == len(found), f"part {k} of {name}",
                   f"expected a dataset whose items are samples of the dataset (the numbers 1000 to {999 + n}), "
                   f"found items {found[:6]!r:.80}. Hint: "
                   + ("these look like indices: return the datasets themselves (the Subsets random_split returns), "
                      "not their .indices." if indices else "return the Subsets that random_split returns."))


def check_split(parts, n, fractions, name):
    """`parts` is a list of len(fractions) datasets of samples of Numbered(n, first=1000), of sizes within 1
    of fraction * n that sum to n, each sample in exactly one part. Returns each part's members."""
    __tracebackhide__ = True
    check.that(type(parts) in (list, tuple) and len(parts) == len(fractions), name,
               f"expected a list of {len(fractions)} datasets, found {parts!r:.80}.")
    check_samples(parts, n, name)
    sizes = [len(part) for part in parts]
    wanted = [round(f * n, 2) for f in fractions]
    check.that(sum(sizes) == n and all(abs(size - f * n) <= 1 + 1e-9 for size, f in zip(sizes, fractions)), name,
               f"expected sizes within 1 of {wanted} that sum to {n}, found {sizes}.")
    found = [members(part) for part in parts]
    check.that(sorted(sum(found, [])) == list(range(n)), name, "every sample must be in exactly one part.")
    return found


def check_random_and_seeded(split_dataset, found, n, fractions, name):
    """The split `found` (seed 0) is not a slice; seed 0 again gives it again, seed 1 another one."""
    __tracebackhide__ = True
    check.that(found[0] != list(range(len(found[0]))), name, "the first part holds samples 0, 1, 2, ... in order: "
               "the split must be random (random_split), not a slice.")
    again = split_dataset(Numbered(n, first=FIRST), fractions, seed=0)
    check.that([members(part) for part in again] == found, f"{name}, called twice",
               "the same seed gave a different split. "
               "Hint: random_split(..., generator=torch.Generator().manual_seed(seed)).")
    other = split_dataset(Numbered(n, first=FIRST), fractions, seed=1)
    check.that(members(other[0]) != found[0], "split_dataset with seeds 0 and 1",
               "different seeds gave the same split. Hint: seed the generator with the seed argument.")


def global_generators_kept(split_dataset, n, fractions, seed):
    """split_dataset where the learner's code runs: are PyTorch's, NumPy's and Python's global generators unchanged?"""

    def states():
        numpy_state = np.random.get_state()
        return torch.get_rng_state(), numpy_state[1].copy(), numpy_state[2:], random.getstate()

    before = states()
    split_dataset(Numbered(n, first=FIRST), fractions, seed)
    after = states()
    return [torch.equal(before[0], after[0]), bool((before[1] == after[1]).all()) and before[2] == after[2],
            before[3] == after[3]]


def check_global_generators(split_dataset, n, fractions, seed):
    """split_dataset(Numbered(n), fractions, seed) leaves the global random generators as they were."""
    __tracebackhide__ = True
    kept = check.in_learner(global_generators_kept, split_dataset, n, fractions, seed)
    for same, name, usual in zip(kept, ["PyTorch's", "NumPy's (np.random)", "Python's (random)"],
                                 ["torch.manual_seed or random_split without a generator",
                                  "np.random.seed or np.random.permutation", "random.seed or random.shuffle"]):
        check.that(same is True, f"{name} global random state after split_dataset(Numbered({n}), {fractions}, {seed})",
                   f"split_dataset changed it ({usual}). Hint: draw from a generator of your own, "
                   "torch.Generator().manual_seed(seed), passed to random_split(..., generator=...).")


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: batch_sizes


def check_batch_sizes(found, expected, name):
    """`found` is a list of Python ints equal to `expected`."""
    __tracebackhide__ = True
    check.that(type(found) is list and all(type(size) is int for size in found), name,
               f"expected a list of Python ints, found {found!r:.80}.")
    check.that(found == expected, name,
               f"expected {expected}, found {found}. Hint: n // batch_size full batches, then the n % batch_size "
               "samples left over as one smaller batch, unless drop_last=True or nothing is left over.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: make_loaders


def check_no_workers(train_loader, test_loader):
    """Both are DataLoaders with num_workers=0."""
    __tracebackhide__ = True
    for name, loader in [("train_loader", train_loader), ("test_loader", test_loader)]:
        check.that(isinstance(loader, DataLoader), name, f"expected a DataLoader, found {type(loader).__name__}.")
        check.that(loader.num_workers == 0, f"{name}.num_workers", f"expected 0, found {loader.num_workers}. "
                   "Hint: leave num_workers at its default, 0: worker processes cannot find a Dataset class defined in "
                   "a notebook wherever processes are not forked.")


def check_test_loader(test_loader, expected):
    """Two epochs of the test loader each give the batches `expected`, every sample once."""
    __tracebackhide__ = True
    first, second = epoch(test_loader), epoch(test_loader)
    n = len(sum(expected, []))
    check.that(sorted(sum(first, [])) == list(range(n)), "test_loader",
               f"every test sample must be used once per epoch; found the batches {first}. "
               "Hint: do not drop the last batch of the test loader.")
    check.that(first == expected and second == first, "test_loader",
               f"expected the batches {expected} in every epoch, found {first} then {second}. "
               "Hint: shuffle=False for the test loader, so that predictions line up with the targets.")


def check_train_loader(train_loader, n, sizes):
    """An epoch of the train loader over Numbered(n): batches of `sizes`, distinct samples, shuffled; the next
    epoch in another order."""
    __tracebackhide__ = True
    batches = epoch(train_loader)
    found = [len(batch) for batch in batches]
    check.that(found == sizes, "train_loader",
               f"expected batch sizes {sizes} (the last incomplete batch dropped), found {found}. "
               "Hint: drop_last=True.")
    samples = sum(batches, [])
    check.that(len(set(samples)) == len(samples) and set(samples) <= set(range(n)), "train_loader",
               f"each training sample at most once per epoch; found {batches}.")
    check.that(samples != sorted(samples), "train_loader",
               f"the samples came in order, {batches}: the train loader must shuffle.")
    check.that(epoch(train_loader) != batches, "train_loader",
               "two epochs came in the same order: the train loader must reshuffle every epoch (shuffle=True does).")


def check_train_seeds(make_loaders, n_train, n_test, batch_size):
    """Train loaders made with seed 0 twice give the same first epoch; with seed 1, another one."""
    __tracebackhide__ = True
    fresh = [make_loaders(Numbered(n_train), Numbered(n_test), batch_size=batch_size, seed=seed)[0]
             for seed in [0, 0, 1]]
    orders = [epoch(loader) for loader in fresh]
    check.that(orders[0] == orders[1], "two train loaders made with seed=0",
               f"expected the same first epoch, found {orders[0]} and {orders[1]}. "
               "Hint: give the train loader generator=torch.Generator().manual_seed(seed).")
    check.that(orders[0] != orders[2], "train loaders made with seed=0 and seed=1",
               f"expected different first epochs, found {orders[0]} for both. Hint: seed the generator with seed.")


# ---------------------------------------------------------------------------------------------------------
# Exercise 5: pad_collate


def check_pad_loader(pad_collate, sequences):
    """DataLoader(sequences, batch_size=3, collate_fn=pad_collate) over the visible test's four sequences."""
    __tracebackhide__ = True
    batches = list(DataLoader(sequences, batch_size=3, collate_fn=pad_collate))
    name = "DataLoader(sequences, batch_size=3, collate_fn=pad_collate)"
    check.that(len(batches) == 2, name, f"expected 2 batches, found {len(batches)}.")
    padded, lengths = check.pair(batches[0], f"the first batch of {name}")
    check.equal(padded, torch.tensor([[1.0, 2.0, 3.0], [4.0, 0.0, 0.0], [5.0, 6.0, 0.0]]), f"the first batch of {name}")
    check.equal(lengths, torch.tensor([3, 1, 2]), f"the lengths of the first batch of {name}")
    padded, lengths = check.pair(batches[1], f"the second batch of {name}")
    check.equal(padded, torch.tensor([[7.0, 8.0, 9.0]]), f"the second batch of {name}")


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: TransformDataset


class CountingDouble:
    """A transform that doubles x and counts its calls in .calls."""

    def __init__(self):
        self.calls = 0

    def __call__(self, x):
        self.calls += 1
        return 2 * x


def counting_double():
    """A CountingDouble made where the learner's code runs, so that the calls it counts there are read here."""
    return check.in_learner(CountingDouble)


def check_not_called_yet(transform, name):
    """The transform has not run yet."""
    __tracebackhide__ = True
    check.that(transform.calls == 0, name,
               f"the transform ran {transform.calls} times while the dataset was made. Hint: call it in __getitem__, "
               "on every read, so that a random transform gives new versions every epoch.")


def check_read_again(wrapped, transform):
    """wrapped[3] read a second time calls the transform again; wrapped[5] raises an IndexError."""
    __tracebackhide__ = True
    x, y = check.pair(wrapped[3], "wrapped[3], read again")
    calls = transform.calls
    check.that(calls == 2, "the transform", f"expected 2 calls after reading two samples, found {calls}.")
    try:
        wrapped[5]
        raised = False
    except IndexError:
        raised = True
    check.that(raised, "wrapped[5]", "expected an IndexError past the end, as the wrapped dataset gives.")


def check_no_transform(TransformDataset, base):
    """TransformDataset(base)[2], without a transform, is base[2] = (tensor([2.]), tensor(0))."""
    __tracebackhide__ = True
    x, y = check.pair(TransformDataset(base)[2], "TransformDataset(base)[2]")
    check.close(x, torch.tensor([2.0]), "TransformDataset(base)[2][0]", "with transform=None, return x unchanged.")
    check.equal(y, torch.tensor(0), "TransformDataset(base)[2][1]")


def check_transform_loader(wrapped):
    """DataLoader(wrapped, batch_size=2) gives 3 batches: every x doubled, every y unchanged."""
    __tracebackhide__ = True
    batches = list(DataLoader(wrapped, batch_size=2))
    check.that(len(batches) == 3, "DataLoader(wrapped, batch_size=2)", f"expected 3 batches, found {len(batches)}.")
    check.close(torch.cat([b[0] for b in batches]), 2 * torch.arange(5.0).reshape(5, 1), "all x of DataLoader(wrapped)")
    check.equal(torch.cat([b[1] for b in batches]), torch.tensor([0, 1, 0, 1, 1]), "all y of DataLoader(wrapped)")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: fit_standardize

CONSTANT_HINT = ("a feature whose values are all equal gets std 1.0; find it from the values (for example "
                 "x.max(dim=0).values == x.min(dim=0).values), not with std == 0 or a threshold: the computed std "
                 "of equal floating-point values is often not 0.")


def check_constant_features(fit_standardize, values):
    """For each value, 7 samples of one feature all equal to it: mean the value, std 1.0."""
    __tracebackhide__ = True
    for value in values:
        column = TensorDataset(torch.full((7, 1), value), torch.zeros(7))
        name = f"fit_standardize of 7 samples of one feature, all {value}"
        mean, std = check.pair(fit_standardize(column), name)
        check.close(mean, torch.tensor([value]), f"mean of {name}")
        check.close(std, torch.tensor([1.0]), f"std of {name}", CONSTANT_HINT)


# ---------------------------------------------------------------------------------------------------------
# Figures


def draw_batch(dataset, x_batch, y_batch):
    """All the fish (length against height, by species), and one batch of them drawn larger."""
    import matplotlib.pyplot as plt

    colors = ["tab:blue", "tab:orange", "tab:green"]
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    points, labels = dataset.x.numpy(), dataset.y.numpy()  # matplotlib takes NumPy arrays
    for c, species in enumerate(dataset.classes):
        ax.scatter(points[labels == c, 0], points[labels == c, 1], s=15, alpha=0.3, color=colors[c], label=species)
    ax.scatter(x_batch[:, 0].numpy(), x_batch[:, 1].numpy(), s=70, color=[colors[c] for c in y_batch.tolist()],
               edgecolors="black", label=f"one batch of {len(y_batch)}")
    ax.set_xlabel("length (cm)")
    ax.set_ylabel("height (cm)")
    ax.set_title(f"x_batch {tuple(x_batch.shape)}, y_batch {tuple(y_batch.shape)}")
    ax.legend(fontsize=8)
    plt.tight_layout()
    plt.show()


def draw_shuffled_epochs(n=20, batch_size=5, num_epochs=6):
    """The order of the samples of Numbered(n) in each epoch of a loader, without and with shuffle=True."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 2.8), layout="constrained")
    for ax, shuffle in zip(axes, [False, True]):
        loader = DataLoader(Numbered(n), batch_size=batch_size, shuffle=shuffle,
                            generator=torch.Generator().manual_seed(0))
        orders = torch.stack([torch.cat(list(loader)) for _ in range(num_epochs)])  # (num_epochs, n)
        image = ax.imshow(orders.numpy(), cmap="viridis", vmin=0, vmax=n - 1)
        for boundary in range(batch_size, n, batch_size):
            ax.axvline(boundary - 0.5, color="white", linewidth=2)
        ax.set_title(f"shuffle={shuffle}")
        ax.set_xticks(range(0, n, batch_size))
        ax.set_yticks(range(num_epochs))
        ax.set_xlabel("position in the epoch")
        ax.set_ylabel("epoch")
    fig.colorbar(image, ax=axes, label="sample number", shrink=0.8)
    plt.show()


def draw_images(x_batch, y_batch, classes, title):
    """A batch of one-channel images in two rows, each titled with its class."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, (len(x_batch) + 1) // 2, figsize=(9, 3.2))
    for ax, image, label in zip(axes.flat, x_batch.numpy(), y_batch.tolist()):
        ax.imshow(image[0], cmap="gray", vmin=0, vmax=1)
        ax.set_title(classes[label], fontsize=8)
        ax.axis("off")
    plt.suptitle(title)
    plt.tight_layout()
    plt.show()
