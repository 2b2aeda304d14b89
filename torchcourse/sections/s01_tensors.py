"""Section 1, tensors: what its test cells and figures need.

The check of a batch moved to a device (exercise 12), and the drawing code of the
section's two figures: one image channels last and channel by channel, and rows
divided by their sums.
"""

from torchcourse import check


def check_moved(moved, batch, device, name):
    """`moved`, a dict with `batch`'s keys, each tensor on `device` with its original shape and dtype."""
    __tracebackhide__ = True
    check.that(type(moved) is dict and set(moved) == set(batch), name,
               f"expected a dict with keys {sorted(batch)}, found {type(moved).__name__} {moved!r:.80}.")
    for key in batch:
        check.is_tensor(moved[key], f"moved[{key!r}]")
        check.that(moved[key].device.type == device, f"moved[{key!r}]",
                   f"expected device {device}, found {moved[key].device}. "
                   "Hint: x.to(device) does not move x; keep the tensor it returns.")
        check.shape(moved[key], batch[key].shape, f"moved[{key!r}]")
        check.dtype(moved[key], batch[key].dtype, f"moved[{key!r}]")


def draw_channels(image_hwc, image_chw):
    """One RGB image drawn from (H, W, C), then its three channels from (C, H, W)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 4, figsize=(11, 2.6))
    axes[0].imshow(image_hwc.numpy())
    axes[0].set_title(f"(H, W, C) = {tuple(image_hwc.shape)}")
    for channel, (ax, name) in enumerate(zip(axes[1:], ["red", "green", "blue"])):
        ax.imshow(image_chw[channel].numpy(), cmap="gray", vmin=0, vmax=1)
        ax.set_title(f"image_chw[{channel}]: {name}")
    for ax in axes:
        ax.axis("off")
    fig.suptitle("One image, channels last (left) and, after permute(2, 0, 1), channel by channel")
    plt.tight_layout()
    plt.show()


def draw_proportions(scores, proportions):
    """Two heat maps side by side: the scores, and the scores divided by their row sums."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(9, 3))
    for ax, data, title in [(axes[0], scores, "scores (6, 8)"),
                            (axes[1], proportions, "scores / scores.sum(dim=1, keepdim=True)")]:
        image = ax.imshow(data.numpy(), cmap="viridis")
        ax.set_title(title)
        ax.set_xlabel("dim 1")
        ax.set_ylabel("dim 0")
        fig.colorbar(image, ax=ax)
    plt.tight_layout()
    plt.show()
