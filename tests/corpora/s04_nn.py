"""Wrong and right answers for 04_nn (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("weight stored as (in, out), as in x @ W", '''
def linear_shapes(in_features, out_features, input_shape):
    return (in_features, out_features), (out_features,), tuple(input_shape[:-1]) + (out_features,)
''', "the weight shape of linear_shapes(32, 64, (8, 32)): expected (64, 32), found (32, 64)"),
        wrong("(out_features) without a comma is an int, not a tuple", '''
def linear_shapes(in_features, out_features, input_shape):
    return (out_features, in_features), (out_features), tuple(input_shape[:-1]) + (out_features,)
''', "a tuple of one needs a comma"),
        wrong("output keeps only the first dimension", '''
def linear_shapes(in_features, out_features, input_shape):
    return (out_features, in_features), (out_features,), (input_shape[0], out_features)
''', "the output shape of linear_shapes(32, 64, (2, 5, 32)): expected (2, 5, 64), found (2, 64)"),
        wrong("output changes the first dimension instead of the last", '''
def linear_shapes(in_features, out_features, input_shape):
    return (out_features, in_features), (out_features,), (out_features,) + tuple(input_shape[1:])
''', "the output shape of linear_shapes(32, 64, (8, 32)): expected (8, 64), found (64, 32)"),
        wrong("hard-coded to the example", '''
def linear_shapes(in_features, out_features, input_shape):
    return (64, 32), (64,), tuple(input_shape[:-1]) + (64,)
''', "the weight shape of linear_shapes("),
        right("build the layer and look", '''
def linear_shapes(in_features, out_features, input_shape):
    layer = nn.Linear(in_features, out_features)
    output = layer(torch.zeros(input_shape))
    return layer.weight.shape, layer.bias.shape, output.shape
'''),
        right("star-unpacking", '''
def linear_shapes(in_features, out_features, input_shape):
    *leading, _ = input_shape
    return (out_features, in_features), (out_features,), (*leading, out_features)
'''),
    ],
    "02": [
        wrong("returns the list of layers", '''
def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    return layers[:-1]
''', "expected an nn.Sequential, found list"),
        wrong("passes the list to nn.Sequential without *", '''
def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    return nn.Sequential(layers[:-1])
''', "list is not a Module subclass"),
        wrong("a ReLU after the last layer too", '''
def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.ReLU()]
    return nn.Sequential(*layers)
''', "expected ['Linear', 'ReLU', 'Linear'], found ['Linear', 'ReLU', 'Linear', 'ReLU']"),
        wrong("nn.Linear(out, in): sizes swapped", '''
def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i + 1], sizes[i]), nn.ReLU()]
    return nn.Sequential(*layers[:-1])
''', "model[0].weight: expected shape (8, 4), found (4, 8)"),
        wrong("sigmoid instead of ReLU", '''
def make_mlp(sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers += [nn.Linear(sizes[i], sizes[i + 1]), nn.Sigmoid()]
    return nn.Sequential(*layers[:-1])
''', "found ['Linear', 'Sigmoid', 'Linear']"),
        wrong("hard-coded to three sizes", '''
def make_mlp(sizes):
    return nn.Sequential(nn.Linear(sizes[0], sizes[1]), nn.ReLU(), nn.Linear(sizes[1], sizes[2]))
''', "list index out of range"),
        right("one ReLU before every layer but the first", '''
def make_mlp(sizes):
    model = nn.Sequential(nn.Linear(sizes[0], sizes[1]))
    for n_in, n_out in zip(sizes[1:], sizes[2:]):
        model.append(nn.ReLU())
        model.append(nn.Linear(n_in, n_out))
    return model
'''),
        right("add_module with names", '''
def make_mlp(sizes):
    model = nn.Sequential()
    for i in range(len(sizes) - 1):
        if i > 0:
            model.add_module(f"relu{i}", nn.ReLU())
        model.add_module(f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))
    return model
'''),
    ],
    "03": [
        wrong("no super().__init__()", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x))).squeeze(1)
''', "cannot assign module before Module.__init__() call"),
        wrong("layers kept in a Python list are not registered", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.layers = [nn.Linear(in_features, hidden_features), nn.ReLU(), nn.Linear(hidden_features, 1)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x.squeeze(1)
''', "expected 26 parameters (fc1: 5*3 + 5, fc2: 1*5 + 1), found 0"),
        wrong("layers created in forward: new random weights at every call", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.sizes = (in_features, hidden_features)

    def forward(self, x):
        fc1 = nn.Linear(*self.sizes)
        fc2 = nn.Linear(self.sizes[1], 1)
        return fc2(torch.relu(fc1(x))).squeeze(1)
''', "found 0. Hint: create the layers in __init__"),
        wrong("no squeeze: returns (B, 1)", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x)))
''', "model(x) for x of shape (4, 3): expected shape (4,), found (4, 1)"),
        wrong("squeeze() without a dim drops a batch of one", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)

    def forward(self, x):
        return self.fc2(torch.relu(self.fc1(x))).squeeze()
''', "for a batch of one sample, x of shape (1, 3): expected shape (1,), found ()"),
        wrong("forward misspelled", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)

    def foward(self, x):
        return self.fc2(torch.relu(self.fc1(x))).squeeze(1)
''', 'missing the required "forward" function'),
        wrong("no activation between the layers", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)

    def forward(self, x):
        return self.fc2(self.fc1(x)).squeeze(1)
''', "model(x): expected values"),
        right("a Sequential inside, view(-1) at the end", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)
        self.net = nn.Sequential(self.fc1, nn.ReLU(), self.fc2)

    def forward(self, x):
        return self.net(x).view(-1)
'''),
        right("functional relu and indexing the column", '''
class Regressor(nn.Module):
    def __init__(self, in_features, hidden_features):
        super(Regressor, self).__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.fc2 = nn.Linear(hidden_features, 1)

    def forward(self, x):
        hidden = nn.functional.relu(self.fc1(x))
        return self.fc2(hidden)[:, 0]
'''),
    ],
    "04": [
        wrong("counts frozen parameters too", '''
def count_trainable(model):
    return sum(p.numel() for p in model.parameters())
''', "count_trainable with the first layer frozen: expected 10, found 26"),
        wrong("counts tensors, not elements", '''
def count_trainable(model):
    return len([p for p in model.parameters() if p.requires_grad])
''', "expected 26, found 4"),
        wrong("counts the state_dict: buffers and frozen parameters", '''
def count_trainable(model):
    return sum(value.numel() for value in model.state_dict().values())
''', "count_trainable(Linear(3, 4), BatchNorm1d(4)): expected 24, found 33"),
        wrong("sums over model.modules(): the container counts its children again", '''
def count_trainable(model):
    return sum(p.numel() for module in model.modules() for p in module.parameters() if p.requires_grad)
''', "expected 26, found 52"),
        wrong("sums layer by layer: a shared layer counts twice", '''
def count_trainable(model):
    total = 0
    for layer in model:
        for p in layer.parameters():
            if p.requires_grad:
                total += p.numel()
    return total
''', "count_trainable with a Linear(4, 4) used twice: expected 36, found 56"),
        wrong("returns a tensor", '''
def count_trainable(model):
    return torch.tensor([p.numel() for p in model.parameters() if p.requires_grad]).sum()
''', "expected a Python int, found torch.Tensor"),
        wrong("parameters(recurse=False) of every module: a tied weight counts twice", '''
def count_trainable(model):
    return sum(p.numel() for m in model.modules() for p in m.parameters(recurse=False) if p.requires_grad)
''', "count_trainable(TiedAutoencoder(3, 2)), scale trainable: expected 30, found 34"),
        wrong("sums over model.children(): misses a parameter of the module itself", '''
def count_trainable(model):
    return sum(p.numel() for child in model.children() for p in child.parameters() if p.requires_grad)
''', "count_trainable(TiedAutoencoder(3, 2)), scale trainable"),
        right("a dict keyed by id keeps each parameter once", '''
def count_trainable(model):
    unique = {id(p): p for p in model.parameters() if p.requires_grad}
    return sum(p.numel() for p in unique.values())
'''),
        right("multiply by the requires_grad flag", '''
def count_trainable(model):
    return sum(p.numel() * p.requires_grad for p in model.parameters())
'''),
        right("named_parameters in a loop", '''
def count_trainable(model):
    total = 0
    for _, parameter in model.named_parameters():
        if parameter.requires_grad:
            total += parameter.numel()
    return total
'''),
    ],
    "05": [
        wrong("(B, 1) against (B,): broadcasts to (B, B)", '''
def regression_loss(pred, y):
    return nn.MSELoss()(pred, y)
''', "the mean over all B x B pairs"),
        wrong("squeeze(0) removes nothing from (B, 1)", '''
def regression_loss(pred, y):
    return nn.functional.mse_loss(pred.squeeze(0), y)
''', "the mean over all B x B pairs"),
        wrong("by hand without the squeeze", '''
def regression_loss(pred, y):
    return ((pred - y) ** 2).mean()
''', "broadcast to (B, B)"),
        wrong("returns a Python float", '''
def regression_loss(pred, y):
    return nn.MSELoss()(pred.squeeze(1), y).item()
''', "expected a torch.Tensor, found float"),
        wrong("the sum, not the mean", '''
def regression_loss(pred, y):
    return nn.MSELoss(reduction="sum")(pred.squeeze(1), y)
''', "expected values [1.062], found [4.25]"),
        wrong("root mean squared error", '''
def regression_loss(pred, y):
    return torch.sqrt(nn.MSELoss()(pred.squeeze(1), y))
''', "expected values [1.062], found [1.031]"),
        wrong("a new tensor from the value loses the graph", '''
def regression_loss(pred, y):
    return torch.tensor(((pred.squeeze(1) - y) ** 2).mean().item())
''', "the loss does not track gradients"),
        right("unsqueeze the targets instead", '''
def regression_loss(pred, y):
    return nn.functional.mse_loss(pred, y.unsqueeze(1))
'''),
        right("by hand on the first column", '''
def regression_loss(pred, y):
    return ((pred[:, 0] - y) ** 2).mean()
'''),
        right("view(-1)", '''
def regression_loss(pred, y):
    loss_fn = nn.MSELoss()
    return loss_fn(pred.view(-1), y.view(-1))
'''),
    ],
    "06": [
        wrong("softmax before CrossEntropyLoss", '''
def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), labels.view(-1).long())
''', "the cross-entropy of softmax(logits)"),
        wrong("labels passed as they came: float labels", '''
def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels)
''', "expected target dtype to be Long or Byte, but got Float"),
        wrong("long() but still (B, 1)", '''
def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.long())
''', "0D or 1D target tensor expected, multi-target not supported"),
        wrong("int() gives int32, not int64", '''
def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.view(-1).int())
''', "expected target dtype to be Long or Byte, but got Int"),
        wrong("squeeze() without a dim drops a batch of one", '''
def classification_loss(logits, labels):
    return nn.CrossEntropyLoss()(logits, labels.squeeze().long())
''', "Expected input batch_size (1) to match target batch_size (0)"),
        wrong("NLLLoss on raw logits (no log_softmax)", '''
def classification_loss(logits, labels):
    return nn.NLLLoss()(logits, labels.view(-1).long())
''', "classification_loss with int64 labels of shape (3,): expected values"),
        wrong("log of softmax by hand: -inf for large logits", '''
def classification_loss(logits, labels):
    labels = labels.view(-1).long()
    log_probabilities = torch.log(torch.softmax(logits, dim=1))
    return -log_probabilities[torch.arange(len(labels)), labels].mean()
''', "found [inf]"),
        right("functional cross_entropy with to(torch.int64)", '''
def classification_loss(logits, labels):
    return nn.functional.cross_entropy(logits, labels.flatten().to(torch.int64))
'''),
        right("log_softmax then NLLLoss", '''
def classification_loss(logits, labels):
    log_probabilities = nn.functional.log_softmax(logits, dim=1)
    return nn.NLLLoss()(log_probabilities, labels.view(-1).long())
'''),
        right("logsumexp by hand", '''
def classification_loss(logits, labels):
    labels = labels.reshape(-1).long()
    picked = logits.gather(1, labels.unsqueeze(1)).squeeze(1)
    return (torch.logsumexp(logits, dim=1) - picked).mean()
'''),
    ],
    "07": [
        wrong("no_grad without eval(): dropout and batch statistics stay on", '''
def predict(model, x):
    with torch.no_grad():
        return model(x)
''', "call model.eval() first"),
        wrong("eval() without no_grad(): the output tracks gradients", '''
def predict(model, x):
    model.eval()
    return model(x)
''', "the output tracks gradients"),
        wrong("model.eval without parentheses does nothing", '''
def predict(model, x):
    model.eval
    with torch.no_grad():
        return model(x)
''', "call model.eval() first"),
        wrong("eval() called after the forward pass", '''
def predict(model, x):
    with torch.no_grad():
        out = model(x)
    model.eval()
    return out
''', "call model.eval() first"),
        wrong("detach instead of eval", '''
def predict(model, x):
    return model(x).detach()
''', "call model.eval() first"),
        wrong("eval() only on the Dropout and BatchNorm layers of a Sequential", '''
def predict(model, x):
    for layer in model:
        if isinstance(layer, (nn.Dropout, nn.BatchNorm1d)):
            layer.eval()
    with torch.no_grad():
        return model(x)
''', "object is not iterable"),
        wrong("model.training = False does not reach the layers", '''
def predict(model, x):
    model.training = False
    with torch.no_grad():
        return model(x)
''', "call model.eval() first"),
        wrong("freezes the model with requires_grad_(False)", '''
def predict(model, x):
    model.eval()
    model.requires_grad_(False)
    with torch.no_grad():
        return model(x)
''', "do not freeze the model to predict"),
        wrong("eval() and detach(): the forward pass is still recorded", '''
def predict(model, x):
    model.eval()
    return model(x).detach()
''', "gradient recording during the forward pass of predict: expected off"),
        wrong("torch.set_grad_enabled(False) and never back on", '''
def predict(model, x):
    model.eval()
    torch.set_grad_enabled(False)
    return model(x)
''', "torch.is_grad_enabled() after predict: expected True"),
        right("train(False) on every module, set_grad_enabled as a context manager", '''
def predict(model, x):
    for module in model.modules():
        module.train(False)
    with torch.set_grad_enabled(False):
        return model(x)
'''),
        right("train(False) and inference_mode", '''
def predict(model, x):
    model.train(False)
    with torch.inference_mode():
        return model(x)
'''),
        right("predicts with a deep copy of the model in evaluation mode", '''
import copy


def predict(model, x):
    with torch.no_grad():
        return copy.deepcopy(model).eval()(x)
'''),
        right("restores the previous mode afterwards", '''
def predict(model, x):
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = model(x)
    model.train(was_training)
    return out
'''),
    ],
}
