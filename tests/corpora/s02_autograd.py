"""Wrong and right answers for 02_autograd (see corpora/__init__.py)."""

from corpora import right, wrong

ANSWERS = {
    "01": [
        wrong("requires_grad forgotten", '''
def make_parameter(values, scale):
    return values.to(torch.float32) * scale
''', "expected requires_grad=True, found False"),
        wrong("requires_grad first, then scaled: not a leaf", '''
def make_parameter(values, scale):
    return values.float().requires_grad_() * scale
''', "expected a leaf tensor, found one made by MulBackward0"),
        wrong("requires_grad=True at creation, then scaled", '''
def make_parameter(values, scale):
    p = torch.tensor(values.tolist(), dtype=torch.float32, requires_grad=True)
    return p * scale
''', "expected a leaf tensor, found one made by MulBackward0"),
        wrong("integer values times an integer scale stay integer", '''
def make_parameter(values, scale):
    return (values * scale).requires_grad_()
''', "Tensors of floating point"),
        wrong("multiplies by 1.0 to get floats: a float64 input stays float64", '''
def make_parameter(values, scale):
    return (values * 1.0 * scale).requires_grad_()
''', "expected dtype torch.float32, found torch.float64"),
        wrong(".float() of a float32 tensor is the tensor itself: mul_ changes the input", '''
def make_parameter(values, scale):
    return values.float().mul_(scale).requires_grad_()
''', ".float() and .to() return the input itself"),
        right("nn.Parameter is a leaf that requires grad", '''
def make_parameter(values, scale):
    return torch.nn.Parameter(values.float() * scale)
'''),
        wrong("through .tolist(): fails on the meta device, which holds no values", '''
def make_parameter(values, scale):
    return torch.tensor((values.double() * scale).tolist(), dtype=torch.float32,
                        device=values.device, requires_grad=True)
''', "make_parameter(values on the meta device, 2): raised NotImplementedError: Cannot copy out of meta tensor"),
        wrong("multiplies in the integer dtype, then converts: uint8 wraps around", '''
def make_parameter(values, scale):
    return (values * scale).to(torch.float32).requires_grad_()
''', "convert to float32 first, then multiply: integer arithmetic in a small dtype wraps around"),
        wrong("a new CPU tensor filled with the values: the device is lost", '''
def make_parameter(values, scale):
    p = torch.empty(values.shape).copy_(values)
    return (p * scale).requires_grad_()
''', "make_parameter(values on the meta device, 2): raised NotImplementedError"),
        right("a copying .to(), then in-place mul_", '''
def make_parameter(values, scale):
    return values.to(torch.float32, copy=True).mul_(scale).requires_grad_()
'''),
        right("float64 for the product, then float32", '''
def make_parameter(values, scale):
    return values.double().mul(scale).float().requires_grad_(True)
'''),
        right("detach, then requires_grad_", '''
def make_parameter(values, scale):
    p = values.to(torch.float32).mul(scale).detach()
    p.requires_grad = True
    return p
'''),
    ],
    "02": [
        wrong("one leaf reused, never zeroed", '''
def gradients_at(f, points):
    x = torch.zeros(points.shape[1], dtype=points.dtype, requires_grad=True)
    rows = []
    for point in points:
        with torch.no_grad():
            x.copy_(point)
        f(x).backward()
        rows.append(x.grad.clone())
    return torch.stack(rows)
''', "row k is the sum of the gradients at points 0..k: gradients accumulate"),
        wrong("zeroed, but the same .grad tensor appended each time", '''
def gradients_at(f, points):
    x = torch.zeros(points.shape[1], dtype=points.dtype, requires_grad=True)
    rows = []
    for point in points:
        with torch.no_grad():
            x.copy_(point)
        f(x).backward()
        rows.append(x.grad)
        x.grad.zero_()
    return torch.stack(rows)
''', "every row is the same: x.grad is one tensor"),
        wrong("sets requires_grad on the caller's points", '''
def gradients_at(f, points):
    points.requires_grad_()
    for point in points:
        f(point).backward()
    return points.grad
''', "points after the call: expected requires_grad=False, found True"),
        wrong("f applied to all points at once", '''
def gradients_at(f, points):
    x = points.detach().clone().requires_grad_()
    f(x).backward()
    return x.grad
''', "mat1 and mat2 shapes cannot be multiplied"),
        wrong("grad read from the point before making it a leaf", '''
def gradients_at(f, points):
    rows = []
    for point in points:
        y = f(point)
        point.requires_grad_()
        y.backward()
        rows.append(point.grad)
    return torch.stack(rows)
''', "element 0 of tensors does not require grad"),
        wrong("clone without detach: not a leaf when points requires grad", '''
def gradients_at(f, points):
    rows = []
    for point in points:
        x = point.clone().requires_grad_()
        f(x).backward()
        rows.append(x.grad)
    return torch.stack(rows)
''', "but got NoneType"),
        wrong("the caller's points reused when they already require grad", '''
def gradients_at(f, points):
    leaf = points if points.requires_grad else points.detach().requires_grad_()
    rows = []
    for k in range(len(points)):
        leaf.grad = None
        f(leaf[k]).backward()
        rows.append(leaf.grad[k].clone())
    return torch.stack(rows)
''', "points.grad after the call"),
        right("torch.autograd.grad returns each gradient", '''
def gradients_at(f, points):
    rows = []
    for k in range(points.shape[0]):
        x = points[k].clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(x), x)
        rows.append(g)
    return torch.stack(rows)
'''),
        right("one leaf reused, zeroed before each backward, clone kept", '''
def gradients_at(f, points):
    x = torch.zeros(points.shape[1], dtype=points.dtype, requires_grad=True)
    out = torch.empty_like(points)
    for k, point in enumerate(points):
        with torch.no_grad():
            x.copy_(point)
        x.grad = None
        f(x).backward()
        out[k] = x.grad
    return out
'''),
    ],
    "03": [
        wrong("backward on a non-scalar", '''
def derivative(f, x):
    x = x.detach().clone().requires_grad_()
    f(x).backward()
    return x.grad
''', "grad can be implicitly created only for scalar outputs"),
        wrong("mean() instead of sum()", '''
def derivative(f, x):
    x = x.detach().clone().requires_grad_()
    f(x).mean().backward()
    return x.grad
''', "found the derivative divided by 4, the number of elements: mean() divides by it"),
        wrong("requires_grad_ on the caller's x: gradients accumulate across calls", '''
def derivative(f, x):
    x.requires_grad_()
    f(x).sum().backward()
    return x.grad
''', "found 2x the expected derivative: gradients accumulate"),
        wrong("requires_grad set after the forward pass", '''
def derivative(f, x):
    y = f(x)
    x.requires_grad_()
    y.sum().backward()
    return x.grad
''', "element 0 of tensors does not require grad and does not have a grad_fn"),
        wrong("gradient of the wrong shape", '''
def derivative(f, x):
    x = x.detach().clone().requires_grad_()
    y = f(x)
    y.backward(torch.ones(y.shape[0]))
    return x.grad
''', "Mismatch in shape"),
        wrong("float32 copy of the input", '''
def derivative(f, x):
    x = x.detach().float().requires_grad_()
    f(x).sum().backward()
    return x.grad
''', "expected dtype torch.float64, found torch.float32"),
        wrong("clone without detach: not a leaf when x requires grad", '''
def derivative(f, x):
    leaf = x.clone().requires_grad_(True)
    y = f(leaf)
    y.backward(gradient=torch.ones_like(y))
    return leaf.grad
''', "requires_grad=True): expected a torch.Tensor, found None. Hint: the .grad of a tensor made from one"),
        wrong("x itself reused when it already requires grad: its .grad changes", '''
def derivative(f, x):
    leaf = x if x.requires_grad else x.detach().requires_grad_()
    leaf.grad = None
    f(leaf).sum().backward()
    return leaf.grad.clone()
''', "x.grad after the call"),
        right("gradient=torch.ones_like(y) on a detached clone", '''
def derivative(f, x):
    leaf = x.detach().clone().requires_grad_(True)
    y = f(leaf)
    y.backward(gradient=torch.ones_like(y))
    return leaf.grad
'''),
        right("torch.autograd.grad", '''
def derivative(f, x):
    leaf = x.detach().requires_grad_()
    return torch.autograd.grad(f(leaf).sum(), leaf)[0]
'''),
    ],
    "04": [
        wrong("no retain_graph", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    h = forward(x)
    h.sum().backward()
    grad_a = x.grad.clone()
    x.grad = None
    (h ** 2).sum().backward()
    return grad_a, x.grad
''', "Trying to backward through the graph a second time"),
        wrong("forward called twice instead of keeping the graph", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    forward(x).sum().backward()
    grad_a = x.grad
    x.grad = None
    (forward(x) ** 2).sum().backward()
    return grad_a, x.grad
''', "expected forward to be called once, found 2 calls"),
        wrong("gradients not cleared between the two backward calls", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    h = forward(x)
    h.sum().backward(retain_graph=True)
    grad_a = x.grad.clone()
    (h ** 2).sum().backward()
    return grad_a, x.grad
''', "grad_b is grad_a plus the gradient of loss_b: gradients accumulate"),
        wrong("zeroed in place without a clone", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    h = forward(x)
    h.sum().backward(retain_graph=True)
    grad_a = x.grad
    x.grad.zero_()
    (h ** 2).sum().backward()
    return grad_a, x.grad
''', "grad_a and grad_b are the same: x.grad is one tensor"),
        wrong("one backward of the summed losses for both", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    h = forward(x)
    (h.sum() + (h ** 2).sum()).backward()
    return x.grad, x.grad
''', "grad_a is the gradient of loss_a + loss_b"),
        wrong("h detached for the second loss", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    h = forward(x)
    h.sum().backward()
    grad_a = x.grad
    x.grad = None
    (h.detach() ** 2).sum().backward()
    return grad_a, x.grad
''', "element 0 of tensors does not require grad"),
        wrong("chain rule by hand: 2 * h * grad_a holds only for element-wise forwards", '''
def two_gradients(forward, x):
    x = x.detach().clone().requires_grad_()
    h = forward(x)
    h.sum().backward()
    grad_a = x.grad
    return grad_a, 2 * h.detach() * grad_a
''', "2 * h * grad_a is the gradient of loss_b only when each h[i] depends on x[i] alone"),
        right("grad_outputs=2 * h for the second gradient", '''
def two_gradients(forward, x):
    leaf = x.detach().clone().requires_grad_()
    h = forward(leaf)
    grad_a = torch.autograd.grad(h, leaf, grad_outputs=torch.ones_like(h), retain_graph=True)[0]
    grad_b = torch.autograd.grad(h, leaf, grad_outputs=2 * h.detach())[0]
    return grad_a, grad_b
'''),
        wrong("clone without detach: not a leaf when x requires grad", '''
def two_gradients(forward, x):
    leaf = x.clone().requires_grad_()
    h = forward(leaf)
    h.sum().backward(retain_graph=True)
    grad_a = leaf.grad
    leaf.grad = None
    (h ** 2).sum().backward()
    return grad_a, leaf.grad
''', "expected a torch.Tensor, found NoneType"),
        right("torch.autograd.grad with retain_graph", '''
def two_gradients(forward, x):
    leaf = x.clone().requires_grad_(True)
    h = forward(leaf)
    (grad_a,) = torch.autograd.grad(h.sum(), leaf, retain_graph=True)
    (grad_b,) = torch.autograd.grad(h.pow(2).sum(), leaf)
    return grad_a, grad_b
'''),
        right("backward with gradient= on h, clone and zero", '''
def two_gradients(forward, x):
    leaf = x.detach().clone().requires_grad_()
    h = forward(leaf)
    h.backward(gradient=torch.ones_like(h), retain_graph=True)
    grad_a = leaf.grad.clone()
    leaf.grad.zero_()
    h.backward(gradient=2 * h.detach())
    return grad_a, leaf.grad
'''),
    ],
    "05": [
        wrong("in-place update outside no_grad", '''
def sgd_step(params, lr):
    for p in params:
        p -= lr * p.grad
        p.grad = None
''', "a leaf Variable that requires grad is being used in an in-place operation"),
        wrong("new tensors put in the list", '''
def sgd_step(params, lr):
    for i, p in enumerate(params):
        params[i] = p - lr * p.grad
''', "expected the same tensor object, found a new one (made by SubBackward0)"),
        wrong("p = p - ... only rebinds the loop variable", '''
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p = p - lr * p.grad
    for p in params:
        p.grad = None
''', "expected values [0.8, -1.6], found [1, -2]"),
        wrong("gradients not cleared", '''
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
''', "the .grad of params[0] (w) after one step: expected None or zeros, found tensor([ 2., -4.])"),
        wrong("returns the updated list", '''
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    return params
''', "expected None, found list"),
        wrong("new leaves in the list", '''
def sgd_step(params, lr):
    for i, p in enumerate(params):
        params[i] = (p - lr * p.grad).detach().requires_grad_()
''', "expected the same tensor object, found a new one (with no grad_fn)"),
        wrong("torch.set_grad_enabled(False) and never back on", '''
def sgd_step(params, lr):
    torch.set_grad_enabled(False)
    for p in params:
        p -= lr * p.grad
        p.grad = None
''', "torch.is_grad_enabled() after sgd_step(params, 0.1): expected True (recording on"),
        right("set_grad_enabled(False) as a context manager", '''
def sgd_step(params, lr):
    with torch.set_grad_enabled(False):
        for p in params:
            p.sub_(lr * p.grad)
            p.grad = None
'''),
        right("sub_ with alpha on the detached tensor, zero_ the grad", '''
def sgd_step(params, lr):
    for p in params:
        p.detach().sub_(p.grad, alpha=lr)
        p.grad.zero_()
'''),
        right("add_ inside no_grad", '''
def sgd_step(params, lr):
    with torch.no_grad():
        for p in params:
            p.add_(-lr * p.grad)
    for p in params:
        p.grad = None
'''),
    ],
    "06": [
        wrong("forgot the product rule: sigmoid only", '''
def silu_grad(x):
    return torch.sigmoid(x)
''', "apply the product rule"),
        wrong("the derivative of the sigmoid, not of silu", '''
def silu_grad(x):
    s = torch.sigmoid(x)
    return s * (1 - s)
''', "apply the product rule"),
        wrong("x * sigmoid'(x) without the sigmoid(x) term", '''
def silu_grad(x):
    s = torch.sigmoid(x)
    return x * s * (1 - s)
''', "silu_grad(tensor([0.])): expected values [0.5], found [0]"),
        wrong("math.exp on a tensor", '''
import math

def silu_grad(x):
    s = 1 / (1 + math.exp(-x))
    return s * (1 + x * (1 - s))
''', "only one element tensors can be converted to Python scalars"),
        wrong("computed in float32", '''
def silu_grad(x):
    x = x.float()
    s = torch.sigmoid(x)
    return s * (1 + x * (1 - s))
''', "expected dtype torch.float64, found torch.float32"),
        wrong("sign slip in the sigmoid", '''
def silu_grad(x):
    s = 1 / (1 + torch.exp(x))
    return s * (1 + x * (1 - s))
''', "silu_grad(x), compared with autograd"),
        right("sigmoid(-x) is 1 - sigmoid(x)", '''
def silu_grad(x):
    return torch.sigmoid(x) * (1 + x * torch.sigmoid(-x))
'''),
        wrong("written with exp: inf / inf is nan for large negative x in float32", '''
def silu_grad(x):
    e = torch.exp(-x)
    return (1 + e + x * e) / (1 + e) ** 2
''', "exp overflows to inf and inf / inf is nan"),
        right("sigmoid plus x times its derivative", '''
def silu_grad(x):
    s = torch.special.expit(x)
    return s + x * s * (1 - s)
'''),
        wrong("torch.autograd.grad instead of a formula", '''
def silu_grad(x):
    with torch.enable_grad():
        t = x.detach().requires_grad_()
        return torch.autograd.grad(torch.nn.functional.silu(t).sum(), t)[0]
''', "with autograd switched off: expected a formula written by hand, but it recorded operations for a backward"),
        wrong("backward() on a copy, then its .grad", '''
def silu_grad(x):
    with torch.enable_grad():
        t = x.detach().clone().requires_grad_(True)
        (t * torch.sigmoid(t)).sum().backward()
    return t.grad
''', "but it recorded operations for a backward pass (a tensor that requires grad)"),
        wrong("torch.func.grad of silu, element by element", '''
def silu_grad(x):
    silu = lambda t: torch.nn.functional.silu(t)
    return torch.vmap(torch.func.grad(silu))(x.reshape(-1)).reshape(x.shape)
''', "expected a formula written by hand, but it called torch.func.grad"),
        wrong("forward-mode AD with a dual tensor", '''
import torch.autograd.forward_ad as fwAD


def silu_grad(x):
    with fwAD.dual_level():
        dual = fwAD.make_dual(x, torch.ones_like(x))
        return fwAD.unpack_dual(torch.nn.functional.silu(dual)).tangent
''', "but it called torch.autograd.forward_ad.make_dual"),
    ],
    "07": [
        wrong("set_grad_enabled(False) for the update leaves recording off", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        torch.set_grad_enabled(True)
        ((w * x + b - y) ** 2).mean().backward()
        torch.set_grad_enabled(False)
        w -= lr * w.grad
        b -= lr * b.grad
        w.grad = None
        b.grad = None
    return w.detach(), b.detach()
''', "torch.is_grad_enabled() after fit_line(x, y, 0.1, 2): expected True (recording on, as before the call), "
           "found False"),
        wrong("recording switched off to return tensors that do not require grad", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        ((w * x + b - y) ** 2).mean().backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
    torch.set_grad_enabled(False)
    return w.clone(), b.clone()
''', "torch.is_grad_enabled() after fit_line(x, y, 0.1, 2): expected True"),
        wrong("gradients never cleared", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
    return w.detach(), b.detach()
''', "these are the values you get when the gradients are never cleared: gradients accumulate"),
        wrong("w = w - lr * w.grad without no_grad", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        w = w - lr * w.grad
        b = b - lr * b.grad
    return w.detach(), b.detach()
''', "unsupported operand type(s) for *: 'float' and 'NoneType'"),
        wrong("the whole loop inside no_grad", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, requires_grad=True)
    with torch.no_grad():
        for _ in range(num_steps):
            loss = ((w * x + b - y) ** 2).mean()
            loss.backward()
            w -= lr * w.grad
            b -= lr * b.grad
            w.grad = None
            b.grad = None
    return w, b
''', "element 0 of tensors does not require grad and does not have a grad_fn"),
        wrong("loss.requires_grad = True instead of requires_grad on w and b", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype)
    b = torch.zeros((), dtype=x.dtype)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.requires_grad = True
        loss.backward()
        w -= lr * w.grad
        b -= lr * b.grad
    return w, b
''', "unsupported operand type(s) for *: 'float' and 'NoneType'"),
        wrong("returns tensors that still require grad", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
    return w, b
''', "expected a tensor that does not require grad, found requires_grad=True"),
        wrong("sum of squares instead of the mean", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros((), dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).sum()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
    return w.detach(), b.detach()
''', "w of one step: fit_line(x, y, lr=0.1, num_steps=1): expected values [1.7], found [6.8]"),
        wrong("w and b of shape (1,)", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros(1, dtype=x.dtype, device=x.device, requires_grad=True)
    b = torch.zeros(1, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
    return w.detach(), b.detach()
''', "expected shape (), found (1,)"),
        wrong("always float32", '''
def fit_line(x, y, lr, num_steps):
    w = torch.zeros((), device=x.device, requires_grad=True)
    b = torch.zeros((), device=x.device, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
    return w.detach(), b.detach()
''', "expected dtype torch.float64, found torch.float32"),
        wrong("w and b made on the CPU whatever x's device", '''
def fit_line(x, y, lr, num_steps):
    w = torch.tensor(0.0, dtype=x.dtype, requires_grad=True)
    b = torch.tensor(0.0, dtype=x.dtype, requires_grad=True)
    for _ in range(num_steps):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = None
        b.grad = None
    return w.detach(), b.detach()
''', "with x and y on the meta device: raised NotImplementedError"),
        right("torch.autograd.grad and fresh leaves each step", '''
def fit_line(x, y, lr, num_steps):
    w = x.new_zeros(()).requires_grad_()
    b = x.new_zeros(()).requires_grad_()
    for _ in range(num_steps):
        loss = torch.nn.functional.mse_loss(w * x + b, y)
        gw, gb = torch.autograd.grad(loss, [w, b])
        w = (w - lr * gw).detach().requires_grad_()
        b = (b - lr * gb).detach().requires_grad_()
    return w.detach(), b.detach()
'''),
        right("parameters in one tensor, zero_ the grad", '''
def fit_line(x, y, lr, num_steps):
    params = torch.zeros(2, dtype=x.dtype, device=x.device, requires_grad=True)
    for _ in range(num_steps):
        pred = params[0] * x + params[1]
        loss = (pred - y).pow(2).mean()
        loss.backward()
        with torch.no_grad():
            params.sub_(lr * params.grad)
        params.grad.zero_()
    w, b = params.detach().clone()
    return w, b
'''),
    ],
}
