"""Wrong and right answers for 01_tensors (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("hard-coded to the example's length", '''
def row_and_column(v):
    return v.reshape(1, 5), v.reshape(5, 1)
''', "shape '[1, 5]' is invalid"),
        wrong("row and column swapped", '''
def row_and_column(v):
    return v.unsqueeze(1), v.unsqueeze(0)
''', "row: expected shape (1, 5), found (5, 1)"),
        wrong(".T on a 1-D tensor is a no-op", '''
def row_and_column(v):
    return v.T, v
''', "row: expected shape (1, 5), found (5,)"),
        wrong("rebuilt from a Python list, which loses the dtype", '''
def row_and_column(v):
    row = torch.tensor([v.tolist()])
    return row, row.T
''', "expected dtype"),
        wrong("unsqueeze_ changes v itself", '''
def row_and_column(v):
    column = v.unsqueeze(1)
    v.unsqueeze_(0)
    return v, column
''', "v after the call"),
        right("reshape with -1", '''
def row_and_column(v):
    return v.reshape(1, -1), v.reshape(-1, 1)
'''),
        right("indexing with None", '''
def row_and_column(v):
    return v[None, :], v[:, None]
'''),
    ],
    "02": [
        wrong("divides by the image's own maximum, not by 255", '''
def scale_image(image):
    return image.float() / image.max()
''', "not by the image's own maximum"),
        wrong("cast without scaling", '''
def scale_image(image):
    return image.float()
''', "expected values [0, 0.2, 0.4, 0.6, 0.8, 1], found [0, 51, 102, 153, 204, 255]"),
        wrong("floor division keeps uint8", '''
def scale_image(image):
    return image // 255
''', "expected dtype torch.float32, found torch.uint8"),
        wrong("float64 instead of float32", '''
def scale_image(image):
    return image.double() / 255
''', "expected dtype torch.float32, found torch.float64"),
        wrong("in-place division of a uint8 tensor", '''
def scale_image(image):
    return image.div_(255)
''', "result type Float can't be cast to the desired output type Byte"),
        wrong("a loop over the first dimension fails on a single pixel", '''
def scale_image(image):
    return torch.stack([part.float() / 255 for part in image])
''', "iteration over a 0-d tensor"),
        wrong("divides by the maximum, guarded against black images", '''
def scale_image(image):
    return image.float() / max(image.max().item(), 1)
''', "not by the image's own maximum"),
        right("true division of uint8 already gives float32", '''
def scale_image(image):
    return image / 255
'''),
        right("multiplies by 1 / 255", '''
def scale_image(image):
    return image.to(dtype=torch.float32).mul(1 / 255)
'''),
        right("float() then div", '''
def scale_image(image):
    return image.float().div(255.0)
'''),
    ],
    "03": [
        wrong("torch.tensor for both: nothing is shared", '''
def shared_and_copied(array):
    return torch.tensor(array), torch.tensor(array)
''', "shared after array[0] = 100: expected values [100, 2, 3], found [1, 2, 3]"),
        wrong("torch.from_numpy for both: nothing is copied", '''
def shared_and_copied(array):
    return torch.from_numpy(array), torch.from_numpy(array)
''', "copied after array[0] = 100: expected values [1, 2, 3], found [100, 2, 3]"),
        wrong("as_tensor with a dtype copies and changes the dtype", '''
def shared_and_copied(array):
    return torch.as_tensor(array, dtype=torch.float32), torch.tensor(array)
''', "shared: expected dtype torch.float64, found torch.float32"),
        wrong("torch.Tensor makes float32", '''
def shared_and_copied(array):
    return torch.from_numpy(array), torch.Tensor(array)
''', "copied: expected dtype torch.float64, found torch.float32"),
        wrong("the copy is a NumPy array", '''
def shared_and_copied(array):
    return torch.from_numpy(array), array.copy()
''', "copied: expected a torch.Tensor, found numpy.ndarray"),
        wrong("the copy rebuilt from a Python list", '''
def shared_and_copied(array):
    return torch.from_numpy(array), torch.tensor(array.tolist())
''', "copied: expected dtype torch.float64, found torch.float32"),
        right("as_tensor shares, clone copies", '''
def shared_and_copied(array):
    shared = torch.as_tensor(array)
    return shared, shared.clone()
'''),
        right("from_numpy of a copy", '''
def shared_and_copied(array):
    return torch.from_numpy(array), torch.from_numpy(array.copy())
'''),
    ],
    "04": [
        wrong("clamp keeps the non-positive entries as zeros in the mean", '''
def mean_of_positive(x):
    return x.clamp(min=0).mean().item()
''', "expected 2.0, found 1.0"),
        wrong("returns a tensor, not a float", '''
def mean_of_positive(x):
    positive = x[x > 0]
    if positive.numel() == 0:
        return 0.0
    return positive.mean()
''', "expected a Python float, found torch.Tensor"),
        wrong("the mean of an empty selection is nan", '''
def mean_of_positive(x):
    return x[x > 0].mean().item()
''', "expected 0.0, found nan"),
        wrong(">= counts the zeros", '''
def mean_of_positive(x):
    positive = x[x >= 0]
    if positive.numel() == 0:
        return 0.0
    return positive.mean().item()
''', "expected 2.0, found 1.33"),
        wrong("returns the int 0 when there is no positive entry", '''
def mean_of_positive(x):
    positive = x[x > 0]
    if len(positive) == 0:
        return 0
    return positive.mean().item()
''', "expected a Python float, found int"),
        wrong("x.max() of an empty tensor fails", '''
def mean_of_positive(x):
    if x.max() <= 0:
        return 0.0
    return x[x > 0].mean().item()
''', "Expected reduction dim to be specified for input.numel() == 0"),
        right("nan_to_num turns the empty mean into 0.0", '''
def mean_of_positive(x):
    return torch.nan_to_num(x[x > 0].mean(), nan=0.0).item()
'''),
        right("a Python loop over the flattened values", '''
def mean_of_positive(x):
    values = [v for v in x.flatten().tolist() if v > 0]
    return sum(values) / len(values) if values else 0.0
'''),
        right("sum over count with a mask", '''
def mean_of_positive(x):
    mask = x > 0
    count = mask.sum().item()
    return float(x[mask].sum() / count) if count else 0.0
'''),
    ],
    "05": [
        wrong("squeeze() also drops a batch of one", '''
def squeeze_predictions(pred):
    return pred.squeeze()
''', "expected shape (1,), found ()"),
        wrong("squeeze(0) removes nothing from (B, 1)", '''
def squeeze_predictions(pred):
    return pred.squeeze(0)
''', "expected shape (4,), found (4, 1)"),
        wrong(".T gives a row, not a vector", '''
def squeeze_predictions(pred):
    return pred.T
''', "expected shape (4,), found (1, 4)"),
        wrong("hard-coded batch size", '''
def squeeze_predictions(pred):
    return pred.reshape(4)
''', "shape '[4]' is invalid for input of size 1"),
        wrong("squeeze_ changes pred itself", '''
def squeeze_predictions(pred):
    return pred.squeeze_(1)
''', "pred after the call"),
        wrong("rebuilt from Python numbers, which loses the dtype", '''
def squeeze_predictions(pred):
    return torch.tensor([p.item() for p in pred])
''', "expected dtype"),
        right("index the only column", '''
def squeeze_predictions(pred):
    return pred[:, 0]
'''),
        right("view(-1)", '''
def squeeze_predictions(pred):
    return pred.view(-1)
'''),
    ],
    "06": [
        wrong("reshape scrambles the pixels", '''
def channels_first(images):
    B, H, W, C = images.shape
    return images.reshape(B, C, H, W)
''', "channel 2 of image 1: expected values"),
        wrong("transpose(1, 3) gives (B, C, W, H)", '''
def channels_first(images):
    return images.transpose(1, 3)
''', "expected shape (2, 3, 2, 3), found (2, 3, 3, 2)"),
        wrong("permute(0, 3, 2, 1) gives (B, C, W, H)", '''
def channels_first(images):
    return images.permute(0, 3, 2, 1)
''', "expected shape (2, 3, 2, 3), found (2, 3, 3, 2)"),
        wrong("the inverse permutation (to channels last)", '''
def channels_first(images):
    return images.permute(0, 2, 3, 1)
''', "expected shape (2, 3, 2, 3), found (2, 3, 3, 2)"),
        wrong("the single-image permute from the notebook", '''
def channels_first(images):
    return images.permute(2, 0, 1)
''', "number of dimensions in the tensor input does not match the length of the desired ordering"),
        wrong("converts to float on the way", '''
def channels_first(images):
    return images.permute(0, 3, 1, 2).float()
''', "channels_first(images): expected dtype torch.int64, found torch.float32. Hint: keep the images' dtype"),
        right("movedim", '''
def channels_first(images):
    return torch.movedim(images, 3, 1)
'''),
        right("two transposes", '''
def channels_first(images):
    return images.transpose(1, 3).transpose(2, 3)
'''),
    ],
    "07": [
        wrong("written for three dimensions only", '''
def flatten_features(x):
    return x.reshape(x.shape[0], x.shape[1] * x.shape[2])
''', "shape '[2, 2]' is invalid for input of size 12"),
        wrong("view fails on a non-contiguous tensor", '''
def flatten_features(x):
    return x.view(x.shape[0], -1)
''', "view size is not compatible with input tensor's size and stride"),
        wrong("flatten() also flattens the batch dimension", '''
def flatten_features(x):
    return x.flatten()
''', "expected shape (2, 12), found (24,)"),
        wrong("keeps the last dimension instead of the first", '''
def flatten_features(x):
    return x.reshape(-1, x.shape[-1])
''', "expected shape (2, 12), found (6, 4)"),
        wrong("views each sample in a loop: fails on a non-contiguous batch", '''
def flatten_features(x):
    return torch.stack([sample.view(-1) for sample in x])
''', "view size is not compatible with input tensor's size and stride"),
        wrong("ravel, as in NumPy, flattens everything", '''
def flatten_features(x):
    return x.ravel()
''', "expected shape (2, 12), found (24,)"),
        wrong("rebuilt from Python lists, which loses the dtype", '''
def flatten_features(x):
    return torch.tensor([sample.flatten().tolist() for sample in x])
''', "expected dtype"),
        wrong("squeeze() after flattening drops a batch of one", '''
def flatten_features(x):
    return x.flatten(1).squeeze()
''', "expected shape (1, 3), found (3,)"),
        right("flatten(1)", '''
def flatten_features(x):
    return x.flatten(1)
'''),
        right("contiguous then view", '''
def flatten_features(x):
    return x.contiguous().view(len(x), -1)
'''),
    ],
    "08": [
        wrong("rebuilds the batch from Python lists, losing the dtype", '''
def make_batch(samples):
    return torch.tensor([s.tolist() for s in samples])


def join_batches(batches):
    return torch.cat(batches, dim=0)
''', "expected dtype torch.int32, found torch.int64"),
        wrong("cat instead of stack for samples", '''
def make_batch(samples):
    return torch.cat(samples, dim=0)


def join_batches(batches):
    return torch.cat(batches, dim=0)
''', "make_batch(samples): expected shape (3, 2), found (6,)"),
        wrong("stack instead of cat for batches", '''
def make_batch(samples):
    return torch.stack(samples, dim=0)


def join_batches(batches):
    return torch.stack(batches, dim=0)
''', "stack expects each tensor to be equal size"),
        wrong("torch.tensor on a list of tensors", '''
def make_batch(samples):
    return torch.tensor(samples)


def join_batches(batches):
    return torch.cat(batches, dim=0)
''', "only one element tensors can be converted to Python scalars"),
        wrong("stack along dim 1 puts samples in columns", '''
def make_batch(samples):
    return torch.stack(samples, dim=1)


def join_batches(batches):
    return torch.cat(batches, dim=0)
''', "make_batch(samples): expected shape (3, 2), found (2, 3)"),
        wrong("cat along dim 1 joins the features", '''
def make_batch(samples):
    return torch.stack(samples)


def join_batches(batches):
    return torch.cat(batches, dim=1)
''', "Sizes of tensors must match except in dimension 1"),
        wrong("squeeze() after stacking drops a single sample's dimension", '''
def make_batch(samples):
    return torch.stack(samples).squeeze()


def join_batches(batches):
    return torch.cat(batches)
''', "make_batch of 1 samples of shape (1,)"),
        right("vstack for both", '''
def make_batch(samples):
    return torch.vstack(samples)


def join_batches(batches):
    return torch.vstack(batches)
'''),
        right("unsqueeze then cat; concat", '''
def make_batch(samples):
    return torch.cat([s.unsqueeze(0) for s in samples])


def join_batches(batches):
    return torch.concat(batches)
'''),
    ],
    "09": [
        wrong("sum without keepdim", '''
def normalize_rows(x):
    return x / x.sum(dim=1)
''', "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"),
        wrong("divides by the total sum", '''
def normalize_rows(x):
    return x / x.sum()
''', "normalize_rows of shape (2, 3): expected values [0.25, 0.25, 0.5, 0, 0.75, 0.25], found [0.125"),
        wrong("normalises the columns", '''
def normalize_rows(x):
    return x / x.sum(dim=0, keepdim=True)
''', "normalize_rows of shape (2, 3): expected values [0.25, 0.25, 0.5, 0, 0.75, 0.25], found [1, 0.25"),
        wrong("in-place division changes the input", '''
def normalize_rows(x):
    x /= x.sum(dim=1, keepdim=True)
    return x
''', "x after the call: expected values"),
        wrong("divides by the Euclidean norm", '''
def normalize_rows(x):
    return x / x.norm(dim=1, keepdim=True)
''', "normalize_rows of shape (2, 3): expected values"),
        right("unsqueeze the row sums", '''
def normalize_rows(x):
    return x / x.sum(1).unsqueeze(1)
'''),
        right("F.normalize with p=1", '''
def normalize_rows(x):
    return torch.nn.functional.normalize(x, p=1, dim=1)
'''),
    ],
    "10": [
        wrong("max(dim=1) returns a named tuple", '''
def predicted_class(logits):
    return logits.max(dim=1)
''', "expected a torch.Tensor, found torch.return_types.max"),
        wrong("argmax() without dim flattens the batch", '''
def predicted_class(logits):
    return logits.argmax()
''', "expected shape (3,), found ()"),
        wrong("argmax over the batch dimension", '''
def predicted_class(logits):
    return logits.argmax(dim=0)
''', "expected shape (3,), found (4,)"),
        wrong("the largest scores, not their indices", '''
def predicted_class(logits):
    return logits.max(dim=1).values
''', "expected dtype torch.int64, found torch.float32"),
        wrong("every position of the row maximum, from nonzero", '''
def predicted_class(logits):
    best = logits.max(dim=1, keepdim=True).values
    return (logits == best).nonzero()[:, 1]
''', "predicted_class of"),
        wrong("built from Python numbers, on the CPU", '''
def predicted_class(logits):
    return torch.tensor([row.argmax().item() for row in logits])
''', "Tensor.item() cannot be called on meta tensors"),
        right("the indices field of max", '''
def predicted_class(logits):
    return logits.max(1).indices
'''),
        right("the last position of a tied maximum, with a stable sort", '''
def predicted_class(logits):
    return logits.sort(dim=1, stable=True).indices[:, -1]
'''),
        right("torch.argmax on the last dimension", '''
def predicted_class(logits):
    return torch.argmax(logits, dim=-1)
'''),
    ],
    "11": [
        wrong("weight not transposed", '''
def linear_layer(x, weight, bias):
    return x @ weight + bias
''', "mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
        wrong("element-wise product instead of a matrix product", '''
def linear_layer(x, weight, bias):
    return x * weight + bias
''', "The size of tensor a (3) must match the size of tensor b (2) at non-singleton dimension 1"),
        wrong("weight @ x.T gives (out, B)", '''
def linear_layer(x, weight, bias):
    return weight @ x.T + bias
''', "linear_layer(x, weight, bias): expected values [8, 3, 9, 0], found [8, -1, 13, 0]"),
        wrong("forgot the bias", '''
def linear_layer(x, weight, bias):
    return x @ weight.T
''', "linear_layer(x, weight, bias): expected values [8, 3, 9, 0], found [-2, 3, -1, 0]"),
        wrong("t_() transposes weight in place", '''
def linear_layer(x, weight, bias):
    return x @ weight.t_() + bias
''', "weight after the call"),
        wrong("computes in float32 whatever the inputs' dtype", '''
def linear_layer(x, weight, bias):
    return x.float() @ weight.float().T + bias.float()
''', "expected dtype torch.float64, found torch.float32"),
        right("torch.nn.functional.linear", '''
def linear_layer(x, weight, bias):
    return torch.nn.functional.linear(x, weight, bias)
'''),
        right("transpose of weight @ x.T, then bias", '''
def linear_layer(x, weight, bias):
    return (weight @ x.T).T + bias
'''),
    ],
    "12": [
        wrong("the result of .to is thrown away", '''
def move_batch(batch, device):
    for tensor in batch.values():
        tensor.to(device)
    return dict(batch)
''', "expected device meta, found cpu"),
        wrong(".cpu() ignores the device", '''
def move_batch(batch, device):
    return {name: tensor.cpu() for name, tensor in batch.items()}
''', "expected device meta, found cpu"),
        wrong("moves the input dict's tensors and returns it", '''
def move_batch(batch, device):
    for name in batch:
        batch[name] = batch[name].to(device)
    return batch
''', "batch['x'] after the call: the input dict must not be changed."),
        wrong("ignores the device argument for the notebook's cuda-or-cpu device", '''
def move_batch(batch, device):
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return {name: tensor.to(device) for name, tensor in batch.items()}
''', "moved['x']: expected device meta, found "),
        wrong("a dict has no .to", '''
def move_batch(batch, device):
    return batch.to(device)
''', "'dict' object has no attribute 'to'"),
        wrong("iterates the dict without .items()", '''
def move_batch(batch, device):
    return {name: tensor.to(device) for name, tensor in batch}
''', "not enough values to unpack (expected 2, got 1)"),
        wrong("each tensor rebuilt from a Python list, which loses the dtype", '''
def move_batch(batch, device):
    return {name: torch.tensor(tensor.tolist(), device=device) for name, tensor in batch.items()}
''', "move the tensor without changing its dtype"),
        right("copy the dict, then replace its values", '''
def move_batch(batch, device):
    moved = dict(batch)
    for name, tensor in moved.items():
        moved[name] = tensor.to(device=device)
    return moved
'''),
        right("the keys in sorted order", '''
def move_batch(batch, device):
    return {name: batch[name].to(device) for name in sorted(batch)}
'''),
        right("a loop filling a new dict", '''
def move_batch(batch, device):
    moved = {}
    for name in batch:
        moved[name] = batch[name].to(torch.device(device))
    return moved
'''),
    ],
}
