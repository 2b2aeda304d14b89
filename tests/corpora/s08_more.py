"""Wrong and right answers for 08_more (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong(".to without keeping the result", '''
def predict(model, x):
    x.to(next(model.parameters()).device)
    return model(x)
''', "predict(model on meta, x on cpu) raised RuntimeError: Tensor on device meta is not on the expected device"),
        wrong("moves x to the notebook's global device, not the model's", '''
def predict(model, x):
    x = x.to(device)
    return model(x)
''', "predict(model on meta, x on cpu) raised RuntimeError"),
        wrong("moves the model to x's device instead", '''
def predict(model, x):
    model.to(x.device)
    return model(x)
''', "Cannot copy out of meta tensor"),
        wrong("a module has no .device attribute", '''
def predict(model, x):
    x = x.to(model.device)
    return model(x)
''', "has no attribute 'device'"),
        wrong("moves the output instead of the input", '''
def predict(model, x):
    return model(x).to(next(model.parameters()).device)
''', "predict(model on meta, x on cpu) raised RuntimeError"),
        wrong("casts x to float32 on the way: a float64 model gets float32 inputs", '''
def predict(model, x):
    x = x.float().to(next(model.parameters()).device)
    return model(x)
''', "mat1 and mat2 must have the same dtype"),
        wrong("moves the caller's tensor in place through .data", '''
def predict(model, x):
    x.data = x.data.to(next(model.parameters()).device)
    return model(x)
''', "incompatible tensor type"),
        right("the device of the first parameter, in one line", '''
def predict(model, x):
    return model(x.to(next(iter(model.parameters())).device))
'''),
        right("the device of any parameter, via a loop", '''
def predict(model, x):
    for parameter in model.parameters():
        return model(x.to(parameter.device))
'''),
    ],
    "02": [
        wrong("reshape to the channels-first shape scrambles time and features", '''
def conv_over_time(conv, x):
    batch, time, features = x.shape
    out = conv(x.reshape(batch, features, time))
    return out.transpose(1, 2)
''', "reshape/view to the right shape scrambles time and features"),
        wrong("forgets to transpose the output back", '''
def conv_over_time(conv, x):
    return conv(x.transpose(1, 2))
''', "expected shape (2, 48, 8), found (2, 8, 48)"),
        wrong("no transpose at all", '''
def conv_over_time(conv, x):
    return conv(x)
''', "expected input[2, 50, 4] to have 4 channels, but got 50 channels instead"),
        wrong("x.T reverses all three dimensions", '''
def conv_over_time(conv, x):
    return conv(x.T).T
''', "to have 4 channels, but got 50 channels instead"),
        wrong("transposes in, but views the output back", '''
def conv_over_time(conv, x):
    out = conv(x.transpose(1, 2))
    return out.view(out.shape[0], out.shape[2], out.shape[1])
''', "reshape/view to the right shape scrambles"),
        wrong("transposes then reshapes the output back: right shape, scrambled when time_out == out_channels", '''
def conv_over_time(conv, x):
    out = conv(x.transpose(1, 2))
    return out.reshape(out.shape[0], out.shape[2], out.shape[1])
''', "reshape/view to the right shape scrambles"),
        wrong("transposes x in place with transpose_", '''
def conv_over_time(conv, x):
    x.transpose_(1, 2)
    return conv(x).transpose(1, 2)
''', "x after the call"),
        right("permute both ways", '''
def conv_over_time(conv, x):
    return conv(x.permute(0, 2, 1)).permute(0, 2, 1)
'''),
        right("swapaxes and mT", '''
def conv_over_time(conv, x):
    return conv(torch.swapaxes(x, 1, 2)).mT
'''),
    ],
    "03": [
        wrong("counts elements, not bytes", '''
def activation_bytes(model, x):
    total = 0
    for layer in model:
        x = layer(x)
        total += x.numel()
    return total
''', "that is the number of elements; multiply by element_size()"),
        wrong("hard-codes 4 bytes per element (float32 only)", '''
def activation_bytes(model, x):
    total = 0
    for layer in model:
        x = layer(x)
        total += x.numel() * 4
    return total
''', "activation_bytes for widths"),
        wrong("counts the parameters instead of the activations", '''
def activation_bytes(model, x):
    return sum(p.numel() * p.element_size() for p in model.parameters())
''', "activation_bytes(mlp, x of shape (8, 10)): expected 1440, found"),
        wrong("counts only the final output", '''
def activation_bytes(model, x):
    out = model(x)
    return out.numel() * out.element_size()
''', "add up the outputs of all the layers, not only the last one"),
        wrong("counts the input too", '''
def activation_bytes(model, x):
    total = x.numel() * x.element_size()
    for layer in model:
        x = layer(x)
        total += x.numel() * x.element_size()
    return total
''', "count only the layers' outputs (not the input, not the parameters)"),
        wrong("returns a tensor instead of an int", '''
def activation_bytes(model, x):
    total = torch.tensor(0)
    for layer in model:
        x = layer(x)
        total += x.numel() * x.element_size()
    return total
''', "expected a Python int, found torch.Tensor"),
        wrong("the bytes per element of the input, for every output", '''
def activation_bytes(model, x):
    bytes_per_element = x.element_size()
    total = 0
    for layer in model:
        x = layer(x)
        total += x.numel() * bytes_per_element
    return total
''', "int64 tokens of shape (16, 5)): expected 5504, found 11008"),
        right("nbytes and a generator-free loop over children", '''
def activation_bytes(model, x):
    sizes = []
    for layer in model.children():
        x = layer(x)
        sizes.append(x.nbytes)
    return sum(sizes)
'''),
        right("forward hooks record every output", '''
def activation_bytes(model, x):
    sizes = []
    hooks = [layer.register_forward_hook(lambda module, inputs, output: sizes.append(output.nbytes))
             for layer in model]
    model(x)
    for hook in hooks:
        hook.remove()
    return int(sum(sizes))
'''),
    ],
    "04": [
        wrong("drops the last, shorter chunk", '''
def predict_in_chunks(model, x, max_batch):
    with torch.no_grad():
        outputs = [model(x[i * max_batch:(i + 1) * max_batch]) for i in range(len(x) // max_batch)]
    return torch.cat(outputs)
''', "do not drop the last chunk"),
        wrong("torch.chunk makes max_batch pieces, not pieces of max_batch rows", '''
def predict_in_chunks(model, x, max_batch):
    with torch.no_grad():
        return torch.cat([model(piece) for piece in torch.chunk(x, max_batch)])
''', "expected 3 calls on batches of [4, 4, 2] rows, found [3, 3, 3, 1]"),
        wrong("torch.stack cannot join a shorter last chunk", '''
def predict_in_chunks(model, x, max_batch):
    with torch.no_grad():
        return torch.stack([model(piece) for piece in torch.split(x, max_batch)])
''', "stack expects each tensor to be equal size"),
        wrong("no torch.no_grad(): a graph is kept for every chunk", '''
def predict_in_chunks(model, x, max_batch):
    return torch.cat([model(piece) for piece in torch.split(x, max_batch)])
''', "predict under torch.no_grad()"),
        wrong("tries the whole batch first, then falls back to chunks", '''
def predict_in_chunks(model, x, max_batch):
    with torch.no_grad():
        try:
            return model(x)
        except RuntimeError:
            return torch.cat([model(piece) for piece in torch.split(x, max_batch)])
''', "the model was called on batches of [10] rows, more than max_batch=4"),
        wrong("returns the list of chunk outputs", '''
def predict_in_chunks(model, x, max_batch):
    with torch.no_grad():
        return [model(piece) for piece in torch.split(x, max_batch)]
''', "expected a torch.Tensor, found list"),
        wrong("switches gradient recording off globally", '''
def predict_in_chunks(model, x, max_batch):
    torch.set_grad_enabled(False)
    return torch.cat([model(piece) for piece in torch.split(x, max_batch)])
''', "torch.is_grad_enabled() after predict_in_chunks: expected True (as before the call), found False"),
        wrong("switches gradient recording off, then always on again", '''
def predict_in_chunks(model, x, max_batch):
    torch.set_grad_enabled(False)
    out = torch.cat([model(piece) for piece in torch.split(x, max_batch)])
    torch.set_grad_enabled(True)
    return out
''', "torch.is_grad_enabled() after predict_in_chunks: expected False (as before the call), found True"),
        right("a range loop with slicing, under inference_mode", '''
def predict_in_chunks(model, x, max_batch):
    outputs = []
    with torch.inference_mode():
        for start in range(0, x.shape[0], max_batch):
            outputs.append(model(x[start:start + max_batch]))
    return torch.cat(outputs)
'''),
        wrong("ceil division and detach: every chunk's forward pass is still recorded", '''
import math


def predict_in_chunks(model, x, max_batch):
    pieces = []
    for i in range(math.ceil(len(x) / max_batch)):
        pieces.append(model(x[i * max_batch:(i + 1) * max_batch]).detach())
    return torch.cat(pieces, dim=0)
''', "gradient recording during the model's forward passes in predict_in_chunks: expected off"),
        wrong("split and detach instead of no_grad", '''
def predict_in_chunks(model, x, max_batch):
    return torch.cat([model(c).detach() for c in torch.split(x, max_batch)])
''', "gradient recording during the model's forward passes in predict_in_chunks: expected off"),
        wrong("detaches the joined result", '''
def predict_in_chunks(model, x, max_batch):
    return torch.cat([model(c) for c in torch.split(x, max_batch)]).detach()
''', "expected off (torch.no_grad()), found [True, True, True]"),
        right("torch.no_grad() as a decorator", '''
@torch.no_grad()
def predict_in_chunks(model, x, max_batch):
    return torch.cat([model(x[start:start + max_batch]) for start in range(0, len(x), max_batch)])
'''),
    ],
    "05": [
        wrong("casts the labels to float", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.float())
''', "expected target dtype to be Long or Byte, but got Float"),
        wrong("casts the logits to long", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits.long(), labels)
''', "not implemented for 'Long'"),
        wrong("int32 labels", '''
def class_loss(logits, labels):
    return nn.functional.cross_entropy(logits, labels.reshape(-1).int())
''', "expected target dtype to be Long or Byte, but got Int"),
        wrong(".long() but keeps a (batch, 1) column", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.long())
''', "0D or 1D target tensor expected, multi-target not supported"),
        wrong("squeeze() without a dim: a batch of one becomes 0-D", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.squeeze().long())
''', "Expected input batch_size (1) to match target batch_size (0)"),
        wrong("uint8 labels wrap around above 255 classes", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.reshape(-1).to(torch.uint8))
''', "give CrossEntropyLoss the raw logits (no softmax) and int64 class indices"),
        wrong("softmax before the loss", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits.softmax(dim=1), labels.reshape(-1).long())
''', "class_loss(logits, labels): expected values"),
        wrong("NLLLoss on raw logits (forgets log_softmax)", '''
def class_loss(logits, labels):
    return nn.NLLLoss()(logits, labels.reshape(-1).long())
''', "class_loss(logits, labels): expected values"),
        wrong("cross-entropy by hand as log(softmax): overflows to inf for large logits", '''
def class_loss(logits, labels):
    index = labels.reshape(-1).long()
    probabilities = logits.softmax(dim=1)
    return -probabilities[torch.arange(len(index)), index].log().mean()
''', "logits in [-200, 200)"),
        wrong("by hand with exp and sum: exp overflows", '''
def class_loss(logits, labels):
    index = labels.reshape(-1).long()
    exp = logits.exp()
    return (exp.sum(dim=1).log() - logits[torch.arange(len(index)), index]).mean()
''', "logits in [-200, 200)"),
        wrong("squeezes the caller's labels in place", '''
def class_loss(logits, labels):
    if labels.dim() == 2:
        labels.squeeze_(1)
    return nn.functional.cross_entropy(logits, labels.long())
''', "labels after class_loss(logits, labels of shape (3, 1))"),
        wrong("casts the logits to float32", '''
def class_loss(logits, labels):
    return nn.functional.cross_entropy(logits.float(), labels.reshape(-1).long())
''', "expected dtype torch.float64, found torch.float32"),
        right("flatten and to(torch.int64)", '''
def class_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.flatten().to(torch.int64))
'''),
        right("one-hot float probabilities", '''
def class_loss(logits, labels):
    index = labels.view(-1).long()
    probabilities = nn.functional.one_hot(index, logits.shape[1]).to(logits.dtype)
    return nn.functional.cross_entropy(logits, probabilities)
'''),
        right("log_softmax and NLLLoss", '''
def class_loss(logits, labels):
    return nn.functional.nll_loss(logits.log_softmax(dim=-1), labels.reshape(len(logits)).long())
'''),
    ],
    "06": [
        wrong("no transpose: the error from the prompt", '''
def linear_forward(x, weight, bias):
    return x @ weight + bias
''', "mat1 and mat2 shapes cannot be multiplied (8x3 and 2x3)"),
        wrong("transposes x instead of the weight", '''
def linear_forward(x, weight, bias):
    return x.T @ weight + bias
''', "mat1 and mat2 shapes cannot be multiplied (3x8 and 2x3)"),
        wrong("weight @ x.T gives (out, batch)", '''
def linear_forward(x, weight, bias):
    return weight @ x.T + bias
''', "The size of tensor a (8) must match the size of tensor b (2)"),
        wrong("reshape instead of transpose", '''
def linear_forward(x, weight, bias):
    return x @ weight.reshape(weight.shape[1], weight.shape[0]) + bias
''', "transpose the weight with weight.T; reshape keeps the numbers in the wrong order"),
        wrong("forgets the bias", '''
def linear_forward(x, weight, bias):
    return x @ weight.T
''', "linear_forward(x, weight, bias): expected values"),
        wrong("torch.mm only takes matrices", '''
def linear_forward(x, weight, bias):
    return torch.mm(x, weight.T) + bias
''', "self must be a matrix"),
        wrong("weight @ x.T for a batch, x.transpose(0, -1) for more: scrambles the leading dimensions", '''
def linear_forward(x, weight, bias):
    if x.dim() <= 2:
        return (weight @ x.T).T + bias
    columns = x.transpose(0, -1).reshape(x.shape[-1], -1)
    return (weight @ columns).T.reshape(*x.shape[:-1], -1) + bias
''', "linear_forward for x of shape (2, 3, 4) and weight (3, 4): expected values"),
        wrong("a loop over the second dimension, stacked first: (T, B, out) instead of (B, T, out)", '''
def linear_forward(x, weight, bias):
    if x.dim() <= 2:
        return x @ weight.T + bias
    return torch.stack([linear_forward(x[:, t], weight, bias) for t in range(x.shape[1])])
''', "linear_forward for x of shape (2, 3, 4) and weight (3, 4): expected shape (2, 3, 3), found (3, 2, 3)"),
        right("flattened to a matrix and reshaped back", '''
def linear_forward(x, weight, bias):
    flat = x.reshape(-1, x.shape[-1])
    return (flat @ weight.T + bias).reshape(*x.shape[:-1], weight.shape[0])
'''),
        right("matmul with transpose(0, 1)", '''
def linear_forward(x, weight, bias):
    return torch.matmul(x, weight.transpose(0, 1)) + bias
'''),
        right("einsum", '''
def linear_forward(x, weight, bias):
    return torch.einsum("...i,oi->...o", x, weight) + bias
'''),
        right("broadcast multiply and sum", '''
def linear_forward(x, weight, bias):
    return (x.unsqueeze(-2) * weight).sum(dim=-1) + bias
'''),
    ],
    "07": [
        wrong("unsqueeze(1): five samples of one feature", '''
def predict_one_or_many(model, x):
    if x.dim() == 1:
        return model(x.unsqueeze(1)).squeeze(1)
    return model(x)
''', "mat1 and mat2 shapes cannot be multiplied (5x1 and 5x16)"),
        wrong("adds the batch dimension but never removes it", '''
def predict_one_or_many(model, x):
    if x.dim() == 1:
        x = x.unsqueeze(0)
    return model(x)
''', "predict_one_or_many(model, one sample of shape (5,)): expected shape (3,), found (1, 3)"),
        wrong("a bare squeeze() also removes a batch of one", '''
def predict_one_or_many(model, x):
    return model(x.reshape(-1, x.shape[-1])).squeeze()
''', "predict_one_or_many(model, a batch of one, shape (1, 5)): expected shape (1, 3), found (3,)"),
        wrong("view(1, -1) on every input flattens a batch into one sample", '''
def predict_one_or_many(model, x):
    return model(x.view(1, -1)).squeeze(0)
''', "mat1 and mat2 shapes cannot be multiplied (1x20 and 5x16)"),
        wrong("passes the single sample unchanged", '''
def predict_one_or_many(model, x):
    return model(x)
''', "expected 2D or 3D input (got 1D input)"),
        wrong("adds the batch dimension in place: the caller's sample becomes a batch", '''
def predict_one_or_many(model, x):
    if x.dim() == 1:
        x.unsqueeze_(0)
        return model(x)[0]
    return model(x)
''', "x after predict_one_or_many(model, one sample of shape (5,))"),
        right("x[None] and [0]", '''
def predict_one_or_many(model, x):
    if x.ndim == 1:
        return model(x[None])[0]
    return model(x)
'''),
        right("atleast_2d and reshape back", '''
def predict_one_or_many(model, x):
    out = model(torch.atleast_2d(x))
    return out.reshape(-1) if x.dim() == 1 else out
'''),
    ],
    "08": [
        wrong("no zero_grad(): gradients accumulate", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "the loss of step 2: expected"),
        wrong("zero_grad() between backward() and step(): the weights never change", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "the loss of step 1: expected"),
        wrong("zero_grad() once, before the loop", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    optimizer.zero_grad()
    losses = []
    for _ in range(num_steps):
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "the loss of step 2: expected"),
        wrong("step() before backward(): each update uses the previous step's gradient", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        optimizer.step()
        loss.backward()
        losses.append(loss.item())
    return losses
''', "the loss of step 1: expected"),
        wrong("the forward pass under no_grad, patched with loss.requires_grad = True", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        with torch.no_grad():
            loss = loss_fn(model(x), y)
        loss.requires_grad = True
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "the loss of step 1: expected"),
        wrong("keeps the loss tensors instead of numbers", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses
''', "expected a Python float, found torch.Tensor"),
        wrong("SGD with momentum: the second step already differs", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "the loss of step 2: expected"),
        wrong("the learning rate of the example, hard-coded", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "train_steps(a"),
        wrong("sum instead of mean: MSELoss(reduction='sum')", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss(reduction="sum")
    losses = []
    for _ in range(num_steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
''', "the loss of step 0: expected"),
        right("model.zero_grad() at the end of each step", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_steps):
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        model.zero_grad()
        losses.append(float(loss))
    return losses
'''),
        right("zero_grad(set_to_none=False) after the forward pass", '''
def train_steps(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.0)
    loss_fn = nn.MSELoss()
    losses = []
    for step in range(num_steps):
        prediction = model(x)
        loss = loss_fn(prediction, y)
        optimizer.zero_grad(set_to_none=False)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach().item())
    return losses
'''),
    ],
    "09": [
        wrong("eval() without no_grad(): a graph is still recorded", '''
def infer(model, x):
    was_training = model.training
    model.eval()
    out = model(x)
    model.train(was_training)
    return out
''', "model.eval() does not turn gradients off"),
        wrong("no_grad() without eval(): dropout and batch statistics stay on", '''
def infer(model, x):
    with torch.no_grad():
        return model(x)
''', "dropout or batch statistics were active: call model.eval() first"),
        wrong("leaves the model in evaluation mode", '''
def infer(model, x):
    model.eval()
    with torch.no_grad():
        return model(x)
''', "model.training after the call: expected True (the mode before the call), found False"),
        wrong("always switches back to train(), even for a model that was in eval mode", '''
def infer(model, x):
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train()
    return out
''', "model.training after the call: expected False (the mode before the call), found True"),
        wrong("switches gradient recording off globally", '''
def infer(model, x):
    was_training = model.training
    model.eval()
    torch.set_grad_enabled(False)
    out = model(x)
    model.train(was_training)
    return out
''', "torch.is_grad_enabled() after the call: expected True (as before the call), found False"),
        wrong("detach() instead of eval()", '''
def infer(model, x):
    return model(x).detach()
''', "dropout or batch statistics were active"),
        wrong("switches gradient recording off, then always on again", '''
def infer(model, x):
    was_training = model.training
    model.eval()
    torch.set_grad_enabled(False)
    out = model(x)
    torch.set_grad_enabled(True)
    model.train(was_training)
    return out
''', "recording off): torch.is_grad_enabled() after the call: expected False (as before the call), found True"),
        wrong("freezes the parameters instead of using no_grad", '''
def infer(model, x):
    was_training = model.training
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad = False
    out = model(x)
    model.train(was_training)
    return out
''', "some no longer require grad after the call"),
        wrong("detach() instead of no_grad(): the forward pass is still recorded", '''
def infer(model, x):
    was = model.training
    model.eval()
    out = model(x).detach()
    model.train(was)
    return out
''', "gradient recording during the forward pass: expected off (torch.no_grad()), found [True, True]"),
        wrong(".data instead of no_grad()", '''
def infer(model, x):
    was = model.training
    model.eval()
    out = model(x).data
    model.train(was)
    return out
''', "gradient recording during the forward pass: expected off"),
        wrong("restores only the top module's flag: the submodules stay in evaluation mode", '''
def infer(model, x):
    was = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.training = was
    return out
''', "the submodules' mode after the call: expected every module of the model in training mode"),
        right("a deep copy of the model in evaluation mode", '''
import copy


def infer(model, x):
    with torch.no_grad():
        return copy.deepcopy(model).eval()(x)
'''),
        right("every module's own mode remembered and put back", '''
def infer(model, x):
    modes = [(module, module.training) for module in model.modules()]
    model.eval()
    with torch.no_grad():
        out = model(x)
    for module, mode in modes:
        module.train(mode)
    return out
'''),
        right("inference_mode and try/finally", '''
def infer(model, x):
    mode = model.training
    try:
        model.train(False)
        with torch.inference_mode():
            return model(x)
    finally:
        model.train(mode)
'''),
        right("no_grad as a decorator, eval() then train() only if it was training", '''
@torch.no_grad()
def infer(model, x):
    training = model.training
    model.eval()
    out = model(x)
    if training:
        model.train()
    return out
'''),
    ],
}
