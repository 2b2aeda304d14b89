"""Section 5, torch.optim: the checks its exercises' test cells call, and the drawing code of its figures.

Each check takes the learner's function as its first argument (`train_step`,
`sgd_momentum_step`, ...) and compares what it does with `torch.optim` or with
the update rule written out. The drawing functions take the losses or learning
rates the notebook computed and plot them; matplotlib is imported only when a
figure is drawn.
"""

import math
import warnings

import torch

from torchcourse import check

# ---------------------------------------------------------------------------------------------------------
# Exercise 1: one training step.

ORDER_HINT = ("check the order: clear the old gradients (the model may arrive with some), compute the loss "
              "loss_fn(model(x), y), call backward(), then step().")


def expected_sgd_step(model, loss_fn, x, y, lr):
    """The loss and the new parameters of one plain SGD step, via torch.autograd.grad (which leaves .grad alone)."""
    params = list(model.parameters())
    loss = loss_fn(model(x), y)
    grads = torch.autograd.grad(loss, params)
    return loss.item(), [(p - lr * g).detach().clone() for p, g in zip(params, grads)]


def check_after_call(model, before, expected, call, name):
    """Every parameter of `model` after call `call` of `name`: `expected`, with a hint from how it moved."""
    __tracebackhide__ = True
    for (param_name, p), old, want in zip(model.named_parameters(), before, expected):
        if torch.equal(p.detach().cpu(), old.cpu()):
            hint = ("the parameters did not change. Call optimizer.step() after loss.backward(), and "
                    "optimizer.zero_grad() before loss.backward(), not between backward() and step().")
        elif call == 1:
            hint = ORDER_HINT
        else:
            hint = ("the first step was right but this one is not: are the old gradients cleared "
                    "(optimizer.zero_grad()) before loss.backward()? Gradients accumulate.")
        check.close(p, want, f"model.{param_name} after call {call} of {name}", hint)


def check_loss(found, expected, call, name):
    """The value call `call` of `name` returned: the loss before the update, a Python float."""
    __tracebackhide__ = True
    check.number(found, expected, f"the value returned by call {call} of {name}",
                 None if type(found) is not float else
                 "return loss.item() for the loss computed in this call's forward pass, before optimizer.step().",
                 tol=1e-5)


def check_sgd_call(train_step, model, optimizer, x, y, lr, call):
    """Call `train_step(model, nn.MSELoss(), optimizer, x, y)` once; compare with one plain SGD step at rate lr."""
    __tracebackhide__ = True
    before = [p.detach().clone() for p in model.parameters()]
    want_loss, want_params = expected_sgd_step(model, torch.nn.MSELoss(), x, y, lr)
    found_loss = train_step(model, torch.nn.MSELoss(), optimizer, x, y)
    check_loss(found_loss, want_loss, call, "train_step")
    check_after_call(model, before, want_params, call, "train_step")


# ---------------------------------------------------------------------------------------------------------
# Exercise 2: SGD with momentum and weight decay, by hand.

FIRST_STEP_HINT = ("at the first step the buffer is the gradient itself, with weight decay added: "
                   "g = p.grad + weight_decay * p, buffers[i] = g.clone(), p -= lr * buffers[i].")
LATER_STEP_HINT = ("from the second step on: g = p.grad + weight_decay * p, buffers[i] = momentum * buffers[i] + g "
                   "(the buffer stored at the previous call), p -= lr * buffers[i].")


def clear_gradients(tensors):
    """Zero the gradients in place, as optimizer.zero_grad(set_to_none=False) does."""
    for p in tensors:
        if p.grad is not None:
            p.grad.zero_()


def check_example_step(w, buffers, step):
    """`w` and `buffers` after step 1 or 2 of the prompt's example (lr=0.1, momentum=0.9, weight_decay=0.1)."""
    __tracebackhide__ = True
    if step == 1:
        check.that(not torch.equal(w.detach(), torch.tensor([1.0, -2.0])), "w after the example's first step",
                   "expected it to change, found it unchanged. Hint: update the tensor in place inside "
                   "torch.no_grad() (p -= lr * buffers[i]); p = p - ... only rebinds a name.")
        check.close(w, torch.tensor([0.79, -1.58]), "w after the example's first step", FIRST_STEP_HINT)
        check.that(buffers[0] is not None, "buffers[0] after the example's first step",
                   "expected the momentum buffer, found None. Hint: store it in the list: buffers[i] = buf.")
        check.close(buffers[0], torch.tensor([2.1, -4.2]), "buffers[0] after the example's first step",
                    FIRST_STEP_HINT)
    else:
        check.close(buffers[0], torch.tensor([3.549, -7.098]), "buffers[0] after the example's second step",
                    LATER_STEP_HINT)
        check.close(w, torch.tensor([0.4351, -0.8702]), "w after the example's second step", LATER_STEP_HINT)


def check_hand_step(params, originals, twins, buffers, expected_buffers, grads, step, name):
    """After one call of sgd_momentum_step: the same leaf tensors, .grad untouched, values and buffers right."""
    __tracebackhide__ = True
    check.that(len(params) == len(originals), "params", f"expected the same {len(originals)} tensors in params, "
               f"found {len(params)}.")
    check.that(len(buffers) == len(params), "buffers", f"expected one buffer per parameter ({len(params)}), "
               f"found {len(buffers)}. Hint: store each buffer at its index: buffers[i] = ....")
    for i, (p, original, twin) in enumerate(zip(params, originals, twins)):
        where = f"params[{i}] after step {step} of {name}"
        check.that(p is original, where, "expected the same tensor object, found another one. Hint: update in place "
                   "inside torch.no_grad() (p -= ...); p = p - ... only rebinds a name.")
        check.that(p.is_leaf and p.requires_grad, where, f"expected a leaf that requires grad, found "
                   f"is_leaf={p.is_leaf}, requires_grad={p.requires_grad}. Hint: update inside torch.no_grad().")
        check.that(p.grad is not None, f"params[{i}].grad after step {step} of {name}", "expected the gradient "
                   "left as it was, found None. Hint: do not clear or replace p.grad: that is zero_grad()'s job.")
        check.equal(p.grad, grads[i], f"params[{i}].grad after step {step} of {name}",
                    "leave p.grad as it is: compute g = p.grad + weight_decay * p as a new tensor, not in place.")
        check.close(p, twin, where, FIRST_STEP_HINT if step == 1 else LATER_STEP_HINT)
        where = f"buffers[{i}] after step {step} of {name}"
        check.that(buffers[i] is not None, where, "expected the momentum buffer, found None. Hint: store it in the "
                   "list at every step, also when momentum is 0: buffers[i] = buf.")
        check.close(buffers[i], expected_buffers[i], where, FIRST_STEP_HINT if step == 1 else LATER_STEP_HINT)


def compare_with_torch(sgd_momentum_step, params, lr, momentum, weight_decay, loss_of, num_steps, name):
    """Run sgd_momentum_step on params and torch.optim.SGD on copies, with the same loss, and compare each step."""
    __tracebackhide__ = True
    originals = list(params)
    twins = [p.detach().clone().requires_grad_() for p in params]
    optimizer = torch.optim.SGD(twins, lr=lr, momentum=momentum, weight_decay=weight_decay)
    buffers = [None] * len(params)
    expected_buffers = [None] * len(params)  # the buffer rule, written out
    for step in range(1, num_steps + 1):
        clear_gradients(params)
        loss_of(params).backward()
        optimizer.zero_grad()
        loss_of(twins).backward()
        optimizer.step()
        grads = [p.grad.detach().clone() for p in params]
        for i, p in enumerate(params):
            g = grads[i] + weight_decay * p.detach()
            expected_buffers[i] = g if expected_buffers[i] is None else momentum * expected_buffers[i] + g
        returned = sgd_momentum_step(params, buffers, lr, momentum, weight_decay)
        check.that(returned is None, f"sgd_momentum_step(...) at step {step}",
                   f"expected None, found {type(returned).__name__}. Hint: change params and buffers in place.")
        check_hand_step(params, originals, twins, buffers, expected_buffers, grads, step, name)


# ---------------------------------------------------------------------------------------------------------
# Exercise 3: no weight decay on biases and norm layers.


def check_groups(optimizer, model, lr, momentum, weight_decay, name):
    """A torch.optim.SGD whose groups hold every parameter of `model` once, with the right settings."""
    __tracebackhide__ = True
    check.that(type(optimizer) is torch.optim.SGD, name, f"expected a torch.optim.SGD, found "
               f"{type(optimizer).__name__}. Hint: return torch.optim.SGD([...groups...], lr=lr, momentum=momentum).")
    group_of = {}
    for group in optimizer.param_groups:
        for p in group["params"]:
            group_of[id(p)] = group
    named = list(model.named_parameters())
    for param_name, p in named:
        where = f"parameter {param_name} (shape {tuple(p.shape)}) in {name}"
        check.that(id(p) in group_of, where, "expected it in a parameter group, found it in none, so it would "
                   "never be trained. Hint: put the parameters with p.ndim < 2 in their own group with weight_decay 0.")
        group = group_of[id(p)]
        want_decay = weight_decay if p.ndim >= 2 else 0.0
        check.that(math.isclose(group["weight_decay"], want_decay), where,
                   f"expected weight_decay {want_decay}, found {group['weight_decay']}. Hint: "
                   + ("parameters with one dimension or fewer (biases, and the weight and bias of norm layers) get no "
                      "weight decay; choose by p.ndim, not by name." if p.ndim < 2 else
                      "every parameter with p.ndim >= 2 gets weight_decay."))
        check.that(math.isclose(group["lr"], lr), where, f"expected lr {lr}, found {group['lr']}.")
        check.that(math.isclose(group["momentum"], momentum), where, f"expected momentum {momentum}, "
                   f"found {group['momentum']}. Hint: pass momentum=momentum (the default is 0).")
    check.that(len(group_of) == len(named), name, f"expected the model's {len(named)} parameters in the groups, "
               f"found {len(group_of)} tensors. Hint: give the optimizer the model's parameters and nothing else.")


def check_two_steps(optimizer, model, lr, momentum, weight_decay, seed, name):
    """Give every parameter known gradients, twice; each step must follow SGD's rule with the group's decay."""
    __tracebackhide__ = True
    buffers = {}
    for step in (1, 2):
        expected = []
        for i, p in enumerate(model.parameters()):
            p.grad = check.random_tensor(tuple(p.shape), seed + 10 * step + i, p.dtype, -1, 1)
            g = p.grad + (weight_decay if p.ndim >= 2 else 0.0) * p.detach()
            buffers[i] = g if step == 1 else momentum * buffers[i] + g
            expected.append((p.detach() - lr * buffers[i]).clone())
        optimizer.step()
        for (param_name, p), want in zip(model.named_parameters(), expected):
            check.close(p, want, f"{param_name} after step {step} of {name}",
                        "SGD's step is buf = momentum * buf + (p.grad + weight_decay * p), p -= lr * buf (at the "
                        "first step buf is the gradient itself); are nesterov and dampening left at their defaults?")


# ---------------------------------------------------------------------------------------------------------
# Exercise 4: minimise a function with Adam.

ADAM_HINT = ("optimise a copy of start with one torch.optim.Adam([point], lr=lr), created before the loop, and "
             "clear the gradients before each backward().")
SGD_HINT = "these are plain SGD's values: use torch.optim.Adam."
FRESH_HINT = ("these are the values of a new Adam at every step, which forgets its running averages: "
              "create the optimizer once, before the loop.")
ACCUMULATE_HINT = "the gradients accumulate: call optimizer.zero_grad() before f(point).backward() at every step."
START_HINT = "do not change start: optimise a copy, start.clone().requires_grad_()."

# What the usual mistakes give on the prompt's example after 1 and 100 steps, with the hint each one deserves.
MINIMIZE_MISTAKES = {
    1: [(torch.tensor([0.6, -2.0]), SGD_HINT)],
    100: [(torch.tensor([3.0, 0.0]), SGD_HINT), (torch.tensor([2.999448, -0.999168]), FRESH_HINT),
          (torch.tensor([2.072080, -3.748082]), ACCUMULATE_HINT)],
}


def check_minimize_result(found, start, expected, variants, name):
    """A tensor like `start`, not requiring grad, close to `expected`; `variants` are (a mistake's values, hint)."""
    __tracebackhide__ = True
    requiring = " that requires grad" if getattr(found, "requires_grad", False) else ""
    check.that(type(found) is torch.Tensor and not found.requires_grad, name, "expected a tensor that does not require "
               f"grad, found {type(found).__name__}{requiring}. Hint: return point.detach().")
    check.shape(found, tuple(start.shape), name)
    check.dtype(found, start.dtype, name, "work on a copy of start, which keeps its dtype.")
    hint = ADAM_HINT
    for variant, variant_hint in variants:
        if torch.allclose(found.double(), variant.double(), rtol=1e-4, atol=1e-5) and not torch.allclose(
                variant.double(), expected.double(), rtol=1e-4, atol=1e-5):
            hint = variant_hint
    check.close(found, expected, name, hint)


def check_start_left_alone(start, requires_grad_too=True):
    """`start` after adam_minimize: still zeros(2) (the prompt's example) and, if asked, not requiring grad."""
    __tracebackhide__ = True
    check.equal(start, torch.zeros(2), "start after adam_minimize", START_HINT)
    if requires_grad_too:
        check.that(not start.requires_grad, "start.requires_grad after adam_minimize", "expected False, found True. "
                   "Hint: do not call requires_grad_() on start itself: optimise a copy, "
                   "start.clone().requires_grad_().")


# ---------------------------------------------------------------------------------------------------------
# Exercise 5: Adam by hand.

MOMENTS_HINT = ("m = beta1 * m + (1 - beta1) * g and v = beta2 * v + (1 - beta2) * g ** 2, updated in place in the "
                "lists (m.mul_(beta1).add_(...)), or stored back with exp_avgs[i] = ...; a new local name changes "
                "nothing in the lists.")
UPDATE_HINT = ("the moments are right but the update is not: divide by the bias corrections, "
               "m_hat = m / (1 - beta1 ** step) and v_hat = v / (1 - beta2 ** step), then "
               "p -= lr * m_hat / (v_hat.sqrt() + eps), with eps added after the square root.")


def check_adam_example(w, exp_avgs, exp_avg_sqs):
    """m, v and w after the prompt's example step."""
    __tracebackhide__ = True
    check.close(exp_avgs[0], torch.tensor([0.2, -0.4]), "exp_avgs[0] (m) after the example", MOMENTS_HINT)
    check.close(exp_avg_sqs[0], torch.tensor([0.004, 0.016]), "exp_avg_sqs[0] (v) after the example", MOMENTS_HINT)
    check.close(w, torch.tensor([0.9, -1.9]), "w after the example", UPDATE_HINT)


def compare_adam_with_torch(adam_step, params, lr, beta1, beta2, eps, loss_of, num_steps, name):
    """Run adam_step on params and torch.optim.Adam on copies, with the same loss; compare m, v, params each step."""
    __tracebackhide__ = True
    originals = list(params)
    twins = [p.detach().clone().requires_grad_() for p in params]
    optimizer = torch.optim.Adam(twins, lr=lr, betas=(beta1, beta2), eps=eps)
    exp_avgs = [torch.zeros_like(p) for p in params]
    exp_avg_sqs = [torch.zeros_like(p) for p in params]
    for step in range(1, num_steps + 1):
        for p in params:
            p.grad = None
        loss_of(params).backward()
        optimizer.zero_grad()
        loss_of(twins).backward()
        optimizer.step()
        grads = [p.grad.detach().clone() for p in params]
        returned = adam_step(params, exp_avgs, exp_avg_sqs, step, lr, beta1, beta2, eps)
        check.that(returned is None, f"adam_step(...) at step {step}",
                   f"expected None, found {type(returned).__name__}. Hint: change the tensors in place.")
        for i, (p, original, twin) in enumerate(zip(params, originals, twins)):
            state = optimizer.state[twin]
            check.close(exp_avgs[i], state["exp_avg"], f"exp_avgs[{i}] (m) after step {step} of {name}", MOMENTS_HINT)
            check.close(exp_avg_sqs[i], state["exp_avg_sq"], f"exp_avg_sqs[{i}] (v) after step {step} of {name}",
                        MOMENTS_HINT)
            where = f"params[{i}] after step {step} of {name}"
            check.that(p is original and p.is_leaf and p.requires_grad, where, "expected the same leaf tensor, "
                       "still requiring grad. Hint: update in place inside torch.no_grad(): p -= ....")
            check.that(p.grad is not None, f"params[{i}].grad after step {step} of {name}", "expected the "
                       "gradient left as it was, found None. Hint: leave p.grad alone (zero_grad()'s job).")
            check.equal(p.grad, grads[i], f"params[{i}].grad after step {step} of {name}",
                        "leave p.grad alone: compute with it, do not change it in place.")
            check.close(p, twin, where, UPDATE_HINT)


# ---------------------------------------------------------------------------------------------------------
# Exercise 6: choose a learning rate.

LR_HINT = ("train a fresh make_model() for each lr, with its own torch.optim.SGD, on the whole of (x, y), and "
           "measure the final loss after the last update.")


def unscaled_data():
    """The notebook's unscaled data (x_unscaled, y_unscaled), made afresh on the CPU: features x and x² up to 100."""
    generator = torch.Generator().manual_seed(1)
    x_wide = torch.linspace(0, 10, 64).unsqueeze(1)
    features = torch.cat([x_wide, x_wide ** 2], dim=1)
    targets = 0.5 * x_wide ** 2 - 3 * x_wide + 2 + 2 * torch.randn(64, 1, generator=generator)
    return features, targets


def linear_maker(weight, bias):
    """A make_model for best_learning_rate: each call returns a new nn.Linear with these weights and bias."""
    def make_model():
        model = torch.nn.Linear(len(weight), 1)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([weight]))
            model.bias.copy_(torch.tensor([bias]))
        return model
    return make_model


def check_choice(best_learning_rate, make_model, x, y, lrs, num_steps, expected_losses, arguments):
    """best_learning_rate(make_model, x, y, lrs, num_steps), written `best_learning_rate(arguments)` in messages."""
    __tracebackhide__ = True
    initial_loss = torch.nn.MSELoss()(make_model()(x), y).item()
    check_lr_choice(best_learning_rate(make_model, x, y, lrs, num_steps), lrs, expected_losses,
                    f"best_learning_rate({arguments})", initial_loss)


def check_lr_choice(found, lrs, expected_losses, name, initial_loss):
    """(best_lr, final_losses): a float per rate, close to expected_losses, and the best finite rate (first of ties)."""
    __tracebackhide__ = True
    best_lr, losses = check.pair(found, name)
    check.that(type(losses) is list, f"final_losses of {name}", f"expected a list of floats, found "
               f"{type(losses).__name__}.")
    check.that(len(losses) == len(lrs), f"final_losses of {name}", f"expected {len(lrs)} losses, one per "
               f"learning rate, found {len(losses)}.")
    for i, (lr, loss, want) in enumerate(zip(lrs, losses, expected_losses)):
        where = f"final_losses[{i}] (lr={lr}) of {name}"
        check.that(type(loss) is float, where, f"expected a Python float, found {type(loss).__name__}. "
                   "Hint: call .item() on the loss.")
        hint = LR_HINT
        if math.isclose(loss, initial_loss, rel_tol=1e-6):
            hint = ("the loss did not change: was the optimizer built on the model you train? Build the "
                    "optimizer after make_model(), on that model's parameters.")
        if not math.isfinite(want):
            check.that(not math.isfinite(loss), where, f"expected a diverged run (nan or inf), found {loss:.6g}. "
                       f"Hint: {hint}")
        else:
            check.that(math.isclose(loss, want, rel_tol=1e-3), where, f"expected {want:.6g}, found {loss:.6g}. "
                       f"Hint: {hint}")
    lowest = min(loss for loss in expected_losses if math.isfinite(loss))
    # Any rate whose loss is the lowest up to rounding is accepted, so that another order of operations cannot flip it.
    acceptable = [lr for lr, loss in zip(lrs, expected_losses) if math.isfinite(loss) and loss <= lowest * (1 + 1e-5)]
    want_lr = acceptable[0]
    tie = len(acceptable) > 1 and all(expected_losses[lrs.index(lr)] == lowest for lr in acceptable)
    if tie:  # the same lowest loss, exactly: the first of them
        acceptable = [want_lr]
    check.that(type(best_lr) is float, f"best_lr of {name}", f"expected a Python float (an element of lrs), found "
               f"{type(best_lr).__name__}.")
    hint = ("a diverged run (nan or inf) must count as the worst: nan < x is False for every x, so min() and "
            "sorted() can pick it; skip losses that are not math.isfinite.")
    if tie and best_lr in lrs and math.isfinite(expected_losses[lrs.index(best_lr)]):
        hint = (f"the learning rates {[lr for lr, loss in zip(lrs, expected_losses) if loss == lowest]} tie for the "
                "lowest loss: take the first of them in lrs (compare with <, not <=, and do not sort the rates).")
    check.that(best_lr in acceptable, f"best_lr of {name}", f"expected {want_lr}, found {best_lr}. Hint: {hint}")


# ---------------------------------------------------------------------------------------------------------
# Exercise 7: the learning rate at every step.

PER_BATCH_HINT = ("the learning rate changes every batch: call scheduler.step() once per epoch, after the epoch's "
                  "batches, not inside the batch loop.")
SHIFTED_HINT = ("the schedule is one epoch early: call scheduler.step() at the end of each epoch, after the "
                "optimizer's steps, not at its start.")
GET_LR_HINT = ("scheduler.get_lr() is not the current learning rate (and it warns): read "
               "optimizer.param_groups[0]['lr'] or scheduler.get_last_lr()[0].")

# What the usual mistakes give for the visible tests' calls, with the hint each one deserves.
SCHEDULE_MISTAKES = {
    (0.1, 2, 0.5, 5, 3): [([0.1, 0.1, 0.05, 0.05, 0.025, 0.025, 0.0125, 0.0125, 0.00625, 0.00625, 0.003125, 0.003125,
                            0.0015625, 0.0015625, 0.00078125], PER_BATCH_HINT),
                          ([0.1] * 3 + [0.05] * 6 + [0.025] * 6, SHIFTED_HINT),
                          ([0.1] * 6 + [0.025] * 3 + [0.05] * 3 + [0.0125] * 3, GET_LR_HINT)],
    (1.0, 3, 0.1, 7, 3): [([1.0] * 3 + [0.1] * 3 + [0.01] * 3 + [0.001] * 3 + [1e-4] * 3 + [1e-5] * 3 + [1e-6] * 3,
                           PER_BATCH_HINT), ([1.0] * 6 + [0.1] * 9 + [0.01] * 6, SHIFTED_HINT),
                          ([1.0] * 9 + [0.01] * 3 + [0.1] * 6 + [0.001] * 3, GET_LR_HINT)],
}


def element_type_hint(value):
    """The usual cause when an element of the schedule is not a Python float."""
    if isinstance(value, list):
        return "scheduler.get_last_lr() is a list (one rate per group): take its [0]."
    if isinstance(value, torch.Tensor):
        return f"that is a tensor ({value.dtype}): turn it into a Python float with .item()."
    if type(value).__module__ == "numpy":
        return "that is a NumPy number: turn it into a Python float with float(...)."
    return "optimizer.param_groups[0]['lr'] and scheduler.get_last_lr()[0] are Python floats."


def recording_warnings(scheduled_lrs, *args):
    """Call scheduled_lrs(*args); return (its result, the messages of PyTorch's warnings about schedulers)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = scheduled_lrs(*args)
    return result, [str(w.message).split(". ")[0][:200] for w in caught
                    if "lr_scheduler" in str(w.message) or "get_last_lr" in str(w.message)]


def check_schedule(scheduled_lrs, call, expected, variants, name):
    """scheduled_lrs(*call): `expected`, as Python floats, without a warning; `variants` are (mistake's list, hint)."""
    __tracebackhide__ = True
    # The call runs where the learner's code runs, so that the warnings it raises are seen.
    found, caught = check.in_learner(recording_warnings, scheduled_lrs, *call)
    check.that(type(found) is list, name, f"expected a list of floats, found {type(found).__name__}. "
               "Hint: append one Python float per batch to a list.")
    check.that(len(found) == len(expected), name, f"expected {len(expected)} learning rates (one per batch: "
               f"num_epochs * batches_per_epoch), found {len(found)}.")
    for i, value in enumerate(found):
        check.that(type(value) is float, f"{name}[{i}]", f"expected a Python float, found {type(value).__name__} "
                   f"{value!r}. Hint: {element_type_hint(value)}")
    hint = ("all the batches of an epoch share one learning rate, which StepLR multiplies by gamma every step_size "
            "epochs: call scheduler.step() once per epoch, after its batches.")
    for variant, variant_hint in variants:
        if variant != expected and all(math.isclose(a, b, rel_tol=1e-6) for a, b in zip(found, variant)):
            hint = variant_hint
    for i, (value, want) in enumerate(zip(found, expected)):
        check.that(math.isclose(value, want, rel_tol=1e-6, abs_tol=0.0), f"{name}[{i}]",
                   f"expected {want!r}, found {value!r}. Hint: {hint}")
    check.that(not caught, name, f"expected no warning from PyTorch, found: {caught[0] if caught else ''}. Hint: in "
               "each batch call optimizer.step(), and scheduler.step() only after the epoch's optimizer steps.")


# ---------------------------------------------------------------------------------------------------------
# Figures.


def draw_mistakes(losses_by_variant):
    """5.1: the loss per step of each variant of the training step (log scale); prints its first and last loss."""
    import matplotlib.pyplot as plt

    styles = ["-", "-", "--", ":", "-."]
    plt.figure(figsize=(7, 3.4))
    for (variant, losses), style in zip(losses_by_variant.items(), styles):
        print(f"{variant:>30}: loss {losses[0]:.3f} -> {losses[-1]:.3f}")
        plt.plot(losses, style, label=variant)
    plt.yscale("log")
    plt.xlabel("step")
    plt.ylabel("MSE loss (log scale)")
    plt.title("the same training, with one line moved or missing")
    plt.legend(fontsize=8)
    plt.tight_layout()
    plt.show()


def draw_momentum(losses_by_label):
    """5.2: the loss per step of SGD with each momentum (log scale)."""
    import matplotlib.pyplot as plt

    plt.figure(figsize=(6, 3.2))
    for label, losses in losses_by_label.items():
        plt.plot(losses, label=label)
    plt.yscale("log")
    plt.xlabel("step")
    plt.ylabel("MSE loss (log scale)")
    plt.legend(fontsize=8)
    plt.title("SGD with and without momentum")
    plt.tight_layout()
    plt.show()


def draw_paths(bowl, runs):
    """5.5: each run's path over the contours of `bowl`, and its loss per step; runs maps a label to (path, losses)."""
    import matplotlib.pyplot as plt

    P0, P1 = torch.meshgrid(torch.linspace(-4.5, 2, 100), torch.linspace(-1.5, 1.5, 100), indexing="ij")
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.contour(P0, P1, bowl(torch.stack([P0, P1])), levels=[0.01, 0.03, 0.1, 0.3, 1, 3, 10], cmap="Greys")
    for label, (path, losses) in runs.items():
        left.plot(path[:, 0], path[:, 1], ".-", markersize=3, label=label)
        right.plot(losses, label=label)
        print(f"{label:>28}: loss after 40 steps {losses[-1]:.2e}")
    left.plot([0], [0], "k*", markersize=10)
    left.set_xlabel("p[0] (flat)")
    left.set_ylabel("p[1] (steep)")
    left.legend(fontsize=8)
    left.set_title("40 steps from (-4, 1)")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("loss (log scale)")
    right.legend(fontsize=8)
    right.set_title("loss per step")
    plt.tight_layout()
    plt.show()


def draw_learning_rates(losses_by_label, sweep, finals):
    """5.6: left, the loss per step for a few learning rates; right, the final loss for each rate of a sweep."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
    for label, losses in losses_by_label.items():
        left.plot(losses, label=label)
    left.set_yscale("log")
    left.set_xlabel("step")
    left.set_ylabel("MSE loss (log scale)")
    left.set_ylim(0.05, 1e4)
    left.legend(fontsize=8)
    left.set_title("three learning rates")

    finite = [(lr, f) for lr, f in zip(sweep, finals) if math.isfinite(f) and f < 1e4]
    diverged = [lr for lr, f in zip(sweep, finals) if not (math.isfinite(f) and f < 1e4)]
    right.plot(*zip(*finite), "o-", label="loss after 60 steps")
    right.plot(diverged, [1e4] * len(diverged), "rx", label="diverged (huge, inf or nan)")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("learning rate (log scale)")
    right.set_ylabel("final loss (log scale)")
    right.legend(fontsize=8)
    right.set_title("a learning-rate sweep")
    plt.tight_layout()
    plt.show()


def draw_schedules(lrs_by_label, stepped_every_batch):
    """5.7: the learning rate of each epoch for each scheduler, and StepLR stepped every batch by mistake."""
    import matplotlib.pyplot as plt

    plt.figure(figsize=(7.5, 3.6))
    for label, lrs in lrs_by_label.items():
        plt.plot(lrs, drawstyle="steps-post", label=label)
    plt.plot(stepped_every_batch, "k:", drawstyle="steps-post", label="StepLR stepped every batch (mistake)")
    plt.xlabel("epoch")
    plt.ylabel("learning rate")
    plt.legend(fontsize=8)
    plt.title("learning rate per epoch, initial lr = 0.1")
    plt.tight_layout()
    plt.show()


def draw_scheduled_training(runs):
    """5.7: the loss after each epoch and the learning rate of each epoch; runs maps a label to (losses, lrs)."""
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.2))
    for label, (epoch_losses, lrs) in runs.items():
        left.plot(epoch_losses, label=label)
        right.plot(lrs, label=label)
        print(f"{label:>28}: loss after the last epoch {epoch_losses[-1]:.5f}")
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("MSE on all the data (log scale)")
    left.legend(fontsize=8)
    left.set_title("loss after each epoch")
    right.set_xlabel("epoch")
    right.set_ylabel("learning rate")
    right.legend(fontsize=8)
    right.set_title("learning rate of each epoch")
    plt.tight_layout()
    plt.show()
