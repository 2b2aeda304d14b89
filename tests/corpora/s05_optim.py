"""Wrong and right answers for 05_optim (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("step() before backward(): the step sees no gradients", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    optimizer.step()
    loss.backward()
    return loss.item()
''', "the parameters did not change"),
        wrong("zero_grad() between backward() and step()", '''
def train_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()
''', "not between backward() and step()"),
        wrong("no step(): gradients computed and thrown away", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    return loss.item()
''', "the parameters did not change"),
        wrong("no zero_grad(): gradients accumulate over calls", '''
def train_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
''', "after call 2 of train_step"),
        wrong("returns the loss tensor, not a float", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss
''', "expected a Python float, found torch.Tensor"),
        wrong("returns the loss after the update, not the step's loss", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss_fn(model(x), y).item()
''', "before optimizer.step()"),
        wrong("zeroes each p.grad by hand: None before the first backward (MISTAKES 2.11)", '''
def train_step(model, loss_fn, optimizer, x, y):
    for p in model.parameters():
        p.grad.zero_()
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    return loss.item()
''', "'NoneType' object has no attribute 'zero_'"),
        right("model.zero_grad() after the forward pass, float() of the loss", '''
def train_step(model, loss_fn, optimizer, x, y):
    prediction = model(x)
    model.zero_grad()
    loss = loss_fn(prediction, y)
    loss.backward()
    optimizer.step()
    return float(loss)
'''),
        wrong("zero_grad() at the end of the step: gradients the model arrived with are used", '''
def train_step(model, loss_fn, optimizer, x, y):
    loss = loss_fn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad()
    return loss.item()
''', "the model may arrive with some"),
        wrong("the loss's arguments swapped: loss_fn(y, model(x))", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(y, model(x))
    loss.backward()
    optimizer.step()
    return loss.item()
''', "with SGD and BCEWithLogitsLoss"),
        wrong("updates the parameters by hand with lr=0.1 instead of using the optimizer", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= 0.1 * p.grad
    return loss.item()
''', "after call 1 of train_step on a"),
        wrong("steps only the parameters of nn.Linear layers found in model.children()", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad()
    loss = loss_fn(model(x), y)
    loss.backward()
    with torch.no_grad():
        for layer in model.children():
            if isinstance(layer, nn.Linear):
                layer.weight.grad.zero_()
    optimizer.step()
    return loss.item()
''', "after call 1 of train_step"),
        right("zero_grad(set_to_none=False) first, loss via a named prediction", '''
def train_step(model, loss_fn, optimizer, x, y):
    optimizer.zero_grad(set_to_none=False)
    prediction = model(x)
    loss = loss_fn(prediction, y)
    loss.backward()
    optimizer.step()
    return loss.detach().cpu().item()
'''),
    ],
    "02": [
        wrong("the buffer is kept in a local name, never stored in the list", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad + weight_decay * p
            buf = buffers[i]
            if buf is None:
                buf = g.clone()
            else:
                buf = momentum * buf + g
            p -= lr * buf
''', "buffers[i] = buf"),
        wrong("dampened like a moving average: (1 - momentum) * g", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad + weight_decay * p
            if buffers[i] is None:
                buffers[i] = torch.zeros_like(p)
            buffers[i] = momentum * buffers[i] + (1 - momentum) * g
            p -= lr * buffers[i]
''', "at the first step the buffer is the gradient itself"),
        wrong("weight decay as the derivative of weight_decay * p ** 2 (twice too strong)", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad + 2 * weight_decay * p
            buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
            p -= lr * buffers[i]
''', "w after the example's first step"),
        wrong("weight decay applied to the parameter, outside the momentum buffer", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad
            buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
            p -= lr * (buffers[i] + weight_decay * p)
''', "buffers[0] after the example's first step"),
        wrong("the buffer is the gradient tensor itself (no copy): zeroing the gradient wipes it", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad
            if weight_decay != 0:
                g = g.add(p, alpha=weight_decay)
            if buffers[i] is None:
                buffers[i] = g
            else:
                buffers[i].mul_(momentum).add_(g)
            p.add_(buffers[i], alpha=-lr)
''', "after step 2"),
        wrong("in-place update outside torch.no_grad()", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    for i, p in enumerate(params):
        g = p.grad + weight_decay * p.detach()
        buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
        p -= lr * buffers[i]
''', "a leaf Variable that requires grad is being used in an in-place operation"),
        wrong("p = p - ...: rebinds a name, the tensor is unchanged", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad + weight_decay * p
            buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
            p = p - lr * buffers[i]
''', "p = p - ... only rebinds a name"),
        wrong("sets p.grad to None after the update (zero_grad's job)", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad + weight_decay * p
            buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
            p -= lr * buffers[i]
            p.grad = None
''', "expected the gradient left as it was, found None"),
        wrong("weight decay added to p.grad in place", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad.add_(p, alpha=weight_decay)
            buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
            p -= lr * buffers[i]
''', "leave p.grad as it is"),
        wrong("no buffer when momentum is 0 (as torch.optim.SGD does internally)", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad + weight_decay * p
            if momentum != 0:
                buffers[i] = g.clone() if buffers[i] is None else momentum * buffers[i] + g
                g = buffers[i]
            p -= lr * g
''', "also when momentum is 0"),
        wrong("buffer aliases p.grad when weight_decay is 0", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad
            if weight_decay != 0:
                g = g + weight_decay * p
            if buffers[i] is None:
                buffers[i] = g
            else:
                buffers[i] = momentum * buffers[i] + g
            p -= lr * buffers[i]
''', "after step 2 of sgd_momentum_step(lr=0.1, momentum=0.9, weight_decay=0)"),
        right("zero-initialised buffer with in-place mul_/add_ (the same as the copy when dampening is 0)", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    with torch.no_grad():
        for i, p in enumerate(params):
            d_p = p.grad.add(p, alpha=weight_decay)
            if buffers[i] is None:
                buffers[i] = torch.zeros_like(p)
            buffers[i].mul_(momentum).add_(d_p)
            p.sub_(lr * buffers[i])
'''),
        right("torch.optim.SGD's own functional form, through .data", '''
def sgd_momentum_step(params, buffers, lr, momentum, weight_decay):
    for index, param in enumerate(params):
        step = param.grad.detach() + weight_decay * param.data
        if buffers[index] is not None:
            step = momentum * buffers[index] + step
        else:
            step = step.clone()
        buffers[index] = step
        param.data.add_(-lr * step)
'''),
    ],
    "03": [
        wrong("one group: weight decay on every parameter", '''
def make_optimizer(model, lr, momentum, weight_decay):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum, weight_decay=weight_decay)
''', "parameters with one dimension or fewer"),
        wrong("chooses by name: norm layers' weights still decayed", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay = [p for name, p in model.named_parameters() if not name.endswith("bias")]
    no_decay = [p for name, p in model.named_parameters() if name.endswith("bias")]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)
''', "choose by p.ndim, not by name"),
        wrong("biases left out of the optimizer: never trained", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    return torch.optim.SGD(decay, lr=lr, momentum=momentum, weight_decay=weight_decay)
''', "would never be trained"),
        wrong("momentum forgotten (the default is 0)", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr)
''', "pass momentum=momentum"),
        wrong("every parameter in a decayed group, biases again in another", '''
def make_optimizer(model, lr, momentum, weight_decay):
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.SGD([{"params": model.parameters(), "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)
''', "some parameters appear in more than one parameter group"),
        wrong("Adam instead of SGD", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.Adam([{"params": decay, "weight_decay": weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}], lr=lr, betas=(momentum, 0.999))
''', "expected a torch.optim.SGD, found Adam"),
        wrong("nesterov momentum", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum, nesterov=True)
''', "are nesterov and dampening left at their defaults"),
        wrong("collects weight and bias of every nn.Linear: a tied weight twice, other layers missed", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay, no_decay = [], []
    for module in model.modules():
        if isinstance(module, nn.Linear):
            decay.append(module.weight)
            if module.bias is not None:
                no_decay.append(module.bias)
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)
''', "would never be trained"),
        wrong("chooses by 'bias' in the name: a matrix named bias_table goes undecayed", '''
def make_optimizer(model, lr, momentum, weight_decay):
    named = list(model.named_parameters())
    no_decay = [p for name, p in named if "bias" in name or p.ndim < 2]
    decay = [p for name, p in named if not ("bias" in name or p.ndim < 2)]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum)
''', "parameter bias_table (shape (2, 3))"),
        wrong("dampening=momentum (an exponential moving average): only the second step differs", '''
def make_optimizer(model, lr, momentum, weight_decay):
    decay = [p for p in model.parameters() if p.ndim >= 2]
    no_decay = [p for p in model.parameters() if p.ndim < 2]
    return torch.optim.SGD([{"params": decay, "weight_decay": weight_decay},
                            {"params": no_decay, "weight_decay": 0.0}], lr=lr, momentum=momentum,
                           dampening=momentum)
''', "after step 2 of make_optimizer"),
        right("named_parameters and dim(); the second group takes the default weight_decay=0", '''
def make_optimizer(model, lr, momentum, weight_decay):
    groups = {"decay": [], "plain": []}
    for _, parameter in model.named_parameters():
        groups["decay" if parameter.dim() > 1 else "plain"].append(parameter)
    return torch.optim.SGD([{"params": groups["decay"], "weight_decay": weight_decay},
                            {"params": groups["plain"]}], lr=lr, momentum=momentum)
'''),
        right("empty groups left out", '''
def make_optimizer(model, lr, momentum, weight_decay):
    params = list(model.parameters())
    groups = [{"params": [p for p in params if p.ndim >= 2], "weight_decay": weight_decay},
              {"params": [p for p in params if p.ndim <= 1], "weight_decay": 0.0, "lr": lr}]
    groups = [g for g in groups if g["params"]]
    return torch.optim.SGD(groups, lr=lr, momentum=momentum)
'''),
    ],
    "04": [
        wrong("plain SGD instead of Adam", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.clone().requires_grad_()
    optimizer = torch.optim.SGD([point], lr=lr)
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "these are plain SGD's values"),
        wrong("a new Adam at every step: its running averages are lost", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.clone().requires_grad_()
    for _ in range(num_steps):
        optimizer = torch.optim.Adam([point], lr=lr)
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "create the optimizer once, before the loop"),
        wrong("no zero_grad(): gradients accumulate", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.clone().requires_grad_()
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps):
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "the gradients accumulate"),
        wrong("optimises start itself (requires_grad_ on the input)", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.requires_grad_()
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "do not change start"),
        wrong("returns the point without detaching it", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.clone().requires_grad_()
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point
''', "return point.detach()"),
        wrong("Adam with its default lr (1e-3), not lr", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.clone().requires_grad_()
    optimizer = torch.optim.Adam([point])
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "torch.optim.Adam([point], lr=lr), created before the loop"),
        wrong("requires_grad_() on start, then optimises a copy: start is left requiring grad", '''
def adam_minimize(f, start, lr, num_steps):
    start.requires_grad_()
    point = start.detach().clone().requires_grad_()
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "start.requires_grad after adam_minimize: expected False, found True"),
        wrong("detach() shares memory with start: start is changed", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.detach().requires_grad_()
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "do not change start"),
        wrong("float32 copy of start: a float64 start comes back as float32", '''
def adam_minimize(f, start, lr, num_steps):
    point = torch.tensor(start.tolist(), requires_grad=True)
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "addmv input tensors must have the same dtype"),
        wrong("num_steps + 1 steps", '''
def adam_minimize(f, start, lr, num_steps):
    point = start.clone().requires_grad_()
    optimizer = torch.optim.Adam([point], lr=lr)
    for _ in range(num_steps + 1):
        optimizer.zero_grad()
        f(point).backward()
        optimizer.step()
    return point.detach()
''', "adam_minimize(f, zeros(2), lr=0.1, num_steps=1)"),
        right("an nn.Parameter and an explicit loss name", '''
def adam_minimize(f, start, lr, num_steps):
    point = nn.Parameter(start.detach().clone())
    optimizer = torch.optim.Adam([point], lr=lr, betas=(0.9, 0.999), eps=1e-8)
    step = 0
    while step < num_steps:
        optimizer.zero_grad(set_to_none=False)
        loss = f(point)
        loss.backward()
        optimizer.step()
        step += 1
    return point.detach().clone()
'''),
    ],
    "05": [
        wrong("new local names for m and v: the lists keep zeros", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            g = p.grad
            m = beta1 * m + (1 - beta1) * g
            v = beta2 * v + (1 - beta2) * g ** 2
            m_hat = m / (1 - beta1 ** step)
            v_hat = v / (1 - beta2 ** step)
            p -= lr * m_hat / (v_hat.sqrt() + eps)
''', "a new local name changes nothing in the lists"),
        wrong("no bias correction", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)
            p -= lr * m / (v.sqrt() + eps)
''', "the moments are right but the update is not"),
        wrong("eps inside the square root", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)
            m_hat = m / (1 - beta1 ** step)
            v_hat = v / (1 - beta2 ** step)
            p -= lr * m_hat / (v_hat + eps).sqrt()
''', "with eps added after the square root"),
        wrong("second moment of g, not of g ** 2", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad.abs())
            m_hat = m / (1 - beta1 ** step)
            v_hat = v / (1 - beta2 ** step)
            p -= lr * m_hat / (v_hat.sqrt() + eps)
''', "exp_avg_sqs[0] (v) after the example"),
        wrong("steps counted from 0: bias correction divides by zero", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)
            m_hat = m / (1 - beta1 ** (step - 1))
            v_hat = v / (1 - beta2 ** (step - 1))
            p -= lr * m_hat / (v_hat.sqrt() + eps)
''', "w after the example: expected values [0.9, -1.9], found [nan, nan]"),
        wrong("update outside torch.no_grad()", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
        g = p.grad
        m.mul_(beta1).add_((1 - beta1) * g)
        v.mul_(beta2).add_((1 - beta2) * g * g)
        p -= lr * (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + eps)
''', "a leaf Variable that requires grad is being used in an in-place operation"),
        wrong("clears p.grad after the update", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)
            p -= lr * (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + eps)
            p.grad.zero_()
''', "leave p.grad alone"),
        wrong("sets p.grad to None after the update", '''
def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for p, m, v in zip(params, exp_avgs, exp_avg_sqs):
            m.mul_(beta1).add_((1 - beta1) * p.grad)
            v.mul_(beta2).add_((1 - beta2) * p.grad ** 2)
            p -= lr * (m / (1 - beta1 ** step)) / ((v / (1 - beta2 ** step)).sqrt() + eps)
            p.grad = None
''', "expected the gradient left as it was, found None"),
        right("torch's arrangement: step size and denominator, addcdiv_; new moments stored back in the lists", '''
import math as _math

def adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps):
    with torch.no_grad():
        for i, p in enumerate(params):
            g = p.grad
            exp_avgs[i] = exp_avgs[i].lerp(g, 1 - beta1)
            exp_avg_sqs[i] = exp_avg_sqs[i] * beta2 + (1 - beta2) * g * g
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            denom = exp_avg_sqs[i].sqrt() / _math.sqrt(bias_correction2) + eps
            p.addcdiv_(exp_avgs[i], denom, value=-lr / bias_correction1)
'''),
    ],
    "06": [
        wrong("min() over the losses: a nan listed first wins", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    loss_fn = nn.MSELoss()
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        final_losses.append(loss_fn(model(x), y).item())
    best = min(range(len(lrs)), key=lambda i: final_losses[i])
    return lrs[best], final_losses
''', "a diverged run (nan or inf) must count as the worst"),
        wrong("one model trained on, lr after lr", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    loss_fn = nn.MSELoss()
    model = make_model()
    final_losses = []
    for lr in lrs:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        final_losses.append(loss_fn(model(x), y).item())
    return lrs[final_losses.index(min(final_losses))], final_losses
''', "final_losses[1]"),
        wrong("the optimizer is built before the fresh model (MISTAKES 5.2)", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    loss_fn = nn.MSELoss()
    model = make_model()
    final_losses = []
    for lr in lrs:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        model = make_model()
        for _ in range(num_steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        final_losses.append(loss_fn(model(x), y).item())
    finite = [(loss, i) for i, loss in enumerate(final_losses) if math.isfinite(loss)]
    return lrs[min(finite)[1]], final_losses
''', "was the optimizer built on the model you train?"),
        wrong("the last training loss (before the last update) as the final loss", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    loss_fn = nn.MSELoss()
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            loss = loss_fn(model(x), y)
            loss.backward()
            optimizer.step()
        final_losses.append(loss.item())
    finite = [(loss, i) for i, loss in enumerate(final_losses) if math.isfinite(loss)]
    return lrs[min(finite)[1]], final_losses
''', "measure the final loss after the last update"),
        wrong("losses kept as tensors", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    loss_fn = nn.MSELoss()
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            final_losses.append(loss_fn(model(x), y))
    losses = torch.stack(final_losses).nan_to_num(nan=float("inf"))
    return lrs[int(losses.argmin())], final_losses
''', "expected a Python float, found Tensor"),
        wrong("returns the index of the best rate, not the rate", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    loss_fn = nn.MSELoss()
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            loss_fn(model(x), y).backward()
            optimizer.step()
        final_losses.append(loss_fn(model(x), y).item())
    finite = [(loss, i) for i, loss in enumerate(final_losses) if math.isfinite(loss)]
    return min(finite)[1], final_losses
''', "expected a Python float (an element of lrs), found int"),
        wrong("<= keeps the last of tied rates", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            final_losses.append(nn.functional.mse_loss(model(x), y).item())
    best_lr, best_loss = None, math.inf
    for lr, loss in zip(lrs, final_losses):
        if loss <= best_loss:
            best_lr, best_loss = lr, loss
    return best_lr, final_losses
''', "tie for the lowest loss: take the first of them"),
        wrong("min over (loss, lr) pairs: a tie goes to the smallest rate", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()
        with torch.no_grad():
            final_losses.append(nn.functional.mse_loss(model(x), y).item())
    return min((loss, lr) for loss, lr in zip(final_losses, lrs) if math.isfinite(loss))[1], final_losses
''', "tie for the lowest loss: take the first of them"),
        right("torch.argmin over the losses with nan and inf replaced (first index on ties), no torch.no_grad", '''
def best_learning_rate(make_model, x, y, lrs, num_steps):
    final_losses = []
    for lr in lrs:
        model = make_model()
        optimizer = torch.optim.SGD(model.parameters(), lr=lr)
        for _ in range(num_steps):
            optimizer.zero_grad()
            nn.MSELoss()(model(x), y).backward()
            optimizer.step()
        final_losses.append(float(nn.MSELoss()(model(x), y)))
    ranked = torch.tensor(final_losses, dtype=torch.float64).nan_to_num(nan=math.inf, posinf=math.inf)
    return lrs[int(torch.argmin(ranked))], final_losses
'''),
        right("helper function, sorted() over finite losses with the index as tie-break", '''
def _final_loss(model, x, y, lr, num_steps):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(num_steps):
        model.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    with torch.no_grad():
        return torch.nn.functional.mse_loss(model(x), y).item()

def best_learning_rate(make_model, x, y, lrs, num_steps):
    final_losses = [_final_loss(make_model(), x, y, lr, num_steps) for lr in lrs]
    ranked = sorted((loss if math.isfinite(loss) else math.inf, i) for i, loss in enumerate(final_losses))
    return lrs[ranked[0][1]], final_losses
'''),
    ],
    "07": [
        wrong("scheduler.step() after every batch", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    lrs = []
    for epoch in range(num_epochs):
        for batch in range(batches_per_epoch):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return lrs
''', "not inside the batch loop"),
        wrong("scheduler.step() at the start of each epoch", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    lrs = []
    for epoch in range(num_epochs):
        scheduler.step()
        for batch in range(batches_per_epoch):
            lrs.append(scheduler.get_last_lr()[0])
            optimizer.step()
    return lrs
''', "the schedule is one epoch early"),
        wrong("scheduler.get_lr() read as the current rate", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    lrs = []
    for epoch in range(num_epochs):
        for batch in range(batches_per_epoch):
            optimizer.step()
            lrs.append(scheduler.get_lr()[0])
        scheduler.step()
    return lrs
''', "scheduler.get_lr() is not the current learning rate"),
        wrong("appends get_last_lr(), a list", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    lrs = []
    for epoch in range(num_epochs):
        for batch in range(batches_per_epoch):
            lrs.append(scheduler.get_last_lr())
            optimizer.step()
        scheduler.step()
    return lrs
''', "expected a Python float, found list"),
        wrong("one learning rate per epoch, not per batch", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    return [lr * gamma ** (epoch // step_size) for epoch in range(num_epochs)]
''', "one per batch"),
        wrong("decays every epoch (ExponentialLR), ignoring step_size", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    return [lr * gamma ** epoch for epoch in range(num_epochs) for _ in range(batches_per_epoch)]
''', "scheduled_lrs(0.1, 2, 0.5, 5, 3)[3]: expected 0.1, found 0.05"),
        wrong("values from a float32 tensor, not turned into Python floats", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    epochs = torch.arange(num_epochs).repeat_interleave(batches_per_epoch)
    return list(lr * gamma ** (epochs // step_size).float())
''', "expected a Python float, found Tensor tensor(0.1000). Hint: that is a tensor"),
        wrong("scheduler.step() before the epoch's optimizer steps (PyTorch warns)", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=step_size, gamma=gamma)
    lrs = []
    for epoch in range(num_epochs):
        if epoch > 0:
            scheduler.step()
        lrs += [scheduler.get_last_lr()[0]] * batches_per_epoch
    return lrs
''', "expected no warning"),
        wrong("rounded to 4 decimals for display", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    return [round(lr * gamma ** (epoch // step_size), 4)
            for epoch in range(num_epochs) for _ in range(batches_per_epoch)]
''', "expected 5.000000000000001e-05, found 0.0001"),
        right("computed in float32, then .item() per value", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    epochs = torch.arange(num_epochs).repeat_interleave(batches_per_epoch)
    return [value.item() for value in torch.tensor(lr) * torch.tensor(gamma) ** (epochs // step_size)]
'''),
        right("the closed formula", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    result = []
    for epoch in range(num_epochs):
        result += [lr * gamma ** (epoch // step_size)] * batches_per_epoch
    return result
'''),
        right("StepLR, reading get_last_lr()[0]", '''
def scheduled_lrs(lr, step_size, gamma, num_epochs, batches_per_epoch):
    optimizer = torch.optim.SGD([nn.Parameter(torch.zeros(()))], lr=lr)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma)
    lrs = []
    for _ in range(num_epochs):
        current = scheduler.get_last_lr()[0]
        for _ in range(batches_per_epoch):
            optimizer.step()
            lrs.append(current)
        scheduler.step()
    return lrs
'''),
    ],
}
