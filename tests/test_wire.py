"""The grader's wire: what the learner's process sends is decoded as hostile input.

Fast checks of the codec on its own (tests/test_autograde.py runs it for real,
in the sandbox): round trips of the values tests use, and refusals of
everything else, as the trusted side's Link sees them.
"""

import collections
import socket

import numpy
import pytest
import torch
from torch import nn

from torchcourse.grader import tester, wire
from torchcourse.grader.learner import Handles


def send_and_decode(value):
    """value encoded on a learner-side registry, decoded on a trusted one."""
    learner_side, trusted_side = wire.Registry("L"), wire.Registry("T")
    encoder = wire.Encoder(learner_side, Handles())
    node = encoder.encode(value)
    table, blob = encoder.blob()
    return wire.Decoder(trusted_side, wire.load_tensors(table, blob), lambda n: ("handle", n["type"])).decode(node)


@pytest.mark.parametrize("value", [
    None, True, 3, -2**70, 2.5, float("inf"), complex(1, -2), "é\u202e", b"\x00\xff", [1, (2, 3)], {"a": {1, 2}},
    collections.OrderedDict(b=1), slice(1, None, 2), range(3), torch.Size([2, 3]), torch.float16, torch.device("cpu"),
    numpy.float32(1.5), numpy.arange(6, dtype=numpy.int16).reshape(2, 3),
])
def test_plain_values_round_trip(value):
    found = send_and_decode(value)
    assert type(found) is type(value)
    if isinstance(value, numpy.ndarray):
        assert numpy.array_equal(found, value) and found.dtype == value.dtype
    elif isinstance(value, float) and value != value:
        assert found != found
    else:
        assert found == value


def test_tensors_round_trip_with_dtype_layout_grad_and_type():
    t = torch.arange(12, dtype=torch.float64).reshape(3, 4).t()  # not contiguous
    t.requires_grad_()
    t.grad = torch.ones(4, 3, dtype=torch.float64)
    found = send_and_decode(t)
    assert type(found) is torch.Tensor and found.stride() == t.stride() and torch.equal(found, t.detach())
    assert found.requires_grad and torch.equal(found.grad, t.grad)
    p = send_and_decode(nn.Parameter(torch.zeros(2, dtype=torch.bfloat16)))
    assert type(p) is nn.Parameter and p.dtype == torch.bfloat16
    assert send_and_decode(torch.empty(2, 3, device="meta")).device.type == "meta"


@pytest.mark.parametrize("make", [
    lambda: torch.zeros(1, 5, dtype=torch.int64)[:, -1],  # size 1 with stride 5: "contiguous" to torch
    lambda: torch.arange(10, dtype=torch.int32)[::3],
    lambda: torch.arange(24.0).reshape(2, 3, 4)[:, :1, ::2],
    lambda: torch.tensor([[True, False]]).expand(3, 2),
])
def test_views_with_any_strides_round_trip(make):
    """A correct answer returned `logits.sort(dim=1).indices[:, -1]` for a batch of one and was graded 0."""
    t = make()
    found = send_and_decode(t)
    assert type(found) is torch.Tensor and found.dtype == t.dtype and torch.equal(found, t)
    assert wire.tensor_bytes(t)[2] == t.contiguous().numpy().tobytes()


def test_standard_modules_and_optimizers_arrive_as_real_objects():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.ReLU())
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(5, 3)).sum().backward()
    optimizer.step()
    found_model, found_optimizer = send_and_decode((model, optimizer))
    assert type(found_model) is nn.Sequential and type(found_optimizer) is torch.optim.Adam
    assert found_optimizer.param_groups[0]["params"][0] is found_model[0].weight
    x = torch.randn(2, 3)
    model.eval(), found_model.eval()
    assert torch.allclose(found_model(x), model(x))
    assert found_optimizer.state[found_model[0].weight]["exp_avg"].shape == (4, 3)


def test_custom_classes_stay_handles():
    class Regressor(nn.Module):
        def forward(self, x):
            return x

    class Liar(torch.Tensor):
        pass

    assert send_and_decode(Regressor())[0] == "handle"
    assert send_and_decode(torch.zeros(2).as_subclass(Liar))[0] == "handle"
    assert send_and_decode(lambda: 1)[0] == "handle"


def decode(node, tensors=()):
    return wire.Decoder(wire.Registry("T"), list(tensors), lambda n: None).decode(node)


@pytest.mark.parametrize("node", [
    {"t": "module", "id": "L1", "cls": "os:system", "training": True, "attrs": [], "params": [], "buffers": [],
     "modules": []},
    {"t": "module", "id": "L1", "cls": "torchcourse.check:close", "training": True, "attrs": [], "params": [],
     "buffers": [], "modules": []},
    {"t": "module", "id": "L1", "cls": "torch.nn.modules.linear:Linear", "training": True,
     "attrs": [["__class__", {"v": 1}]], "params": [], "buffers": [], "modules": []},
    {"t": "optim", "id": "L2", "cls": "collections:OrderedDict", "groups": [], "state": [], "defaults": {"v": None}},
    {"t": "npscalar", "dtype": "O", "v": "1"},
    {"t": "ndarray", "id": "L3", "dtype": "V8", "i": 0},
    {"t": "dtype", "v": "Tensor"},
    {"t": "tensor", "id": "L4", "i": 7},
    {"t": "rtype", "name": "__class__", "items": []},
    {"t": "nope"},
    {"v": [1, 2]},
    "not a node",
])
def test_malformed_or_forbidden_nodes_are_refused(node):
    with pytest.raises(wire.DecodeError):
        decode(node, [torch.zeros(1)])


def test_tensor_tables_that_lie_are_refused():
    good = {"dtype": "float32", "shape": [2], "device": "cpu", "offset": 0, "size": 8, "stride": [1]}
    assert wire.load_tensors([good], bytes(8))[0].shape == (2,)
    for lie in ({"size": 16}, {"offset": 4}, {"dtype": "Tensor"}, {"shape": [-1]}, {"shape": [2**20, 2**20]},
                {"device": "the moon"}):
        with pytest.raises(wire.DecodeError):
            wire.load_tensors([{**good, **lie}], bytes(8))


def test_deep_or_huge_values_are_refused_not_crashing():
    nested = {"v": 1}
    for _ in range(10_000):
        nested = {"t": "list", "items": [nested]}
    with pytest.raises(wire.DecodeError):
        decode(nested)


def test_link_turns_any_reading_fault_into_a_failed_test_and_learner_errors_into_builtin_ones():
    a, b = socket.socketpair()
    read_end, write_end = __import__("os").pipe()
    link = tester.Link(a, read_end)
    with pytest.raises(wire.DecodeError):
        link.decode({"ok": True, "value": {"t": "float", "v": "zz"}}, b"")
    with pytest.raises(wire.DecodeError):
        link.decode({"ok": True, "value": {"v": 1}, "sync": [{"t": "complex", "v": ["x", "y"]}]}, b"")
    fake = {"ok": False, "error": {"mro": ["hypothesis.errors:UnsatisfiedAssumption", "builtins:Exception"],
                                   "message": "skip me"}}
    with pytest.raises(tester.RemoteError) as raised:
        link.decode(fake, b"")
    assert type(raised.value).__module__ == "builtins" and "hypothesis" not in type(raised.value).__module__
    value_error = {"ok": False, "error": {"mro": ["builtins:ValueError", "builtins:Exception"], "message": "bad"}}
    with pytest.raises(ValueError):
        link.decode(value_error, b"")
    for end in (a, b):
        end.close()


def test_frames_over_the_limit_or_not_json_are_protocol_errors():
    a, b = socket.socketpair()
    try:
        b.sendall(wire.HEADER.pack(wire.MAX_JSON + 1, 0))
        with pytest.raises(wire.ProtocolError):
            wire.receive(a)
        b.sendall(wire.HEADER.pack(3, 0) + b"\xff\xfe{")
        with pytest.raises(wire.ProtocolError):
            wire.receive(a)
    finally:
        a.close()
        b.close()


def _data(t):
    t.data.add_(1)


def _numpy_view(t):
    t.detach().numpy()[0] = 99


def _storage(t):
    t.untyped_storage().copy_(torch.full_like(t, 7).untyped_storage())


def _grad_data(t):
    t.grad.data.zero_()


def _module_weight_data(m):
    m.weight.data.fill_(3)


def _module_tensor_attribute(m):
    m.mask = torch.ones(2)


def _large_array(a):
    a[-1] = 5


def _optimizer_state_data(opt):
    opt.state[opt.param_groups[0]["params"][0]]["momentum_buffer"].data.mul_(2)


def _with_grad():
    t = torch.arange(4.0, requires_grad=True)
    t.grad = torch.ones(4)
    return t


def _linear():
    m = nn.Linear(2, 2)
    m.mask = torch.zeros(2)
    return m


def _sgd():
    p = nn.Parameter(torch.ones(3))
    opt = torch.optim.SGD([p], lr=0.1, momentum=0.9)
    p.grad = torch.ones(3)
    opt.step()
    return opt


@pytest.mark.parametrize("make, change", [
    (lambda: torch.arange(4.0, requires_grad=True), _data),
    (lambda: torch.arange(10_000.0), _numpy_view),
    (lambda: torch.arange(4.0), _storage),
    (_with_grad, _grad_data),
    (_linear, _module_weight_data),
    (_linear, _module_tensor_attribute),
    (lambda: numpy.zeros(10_000), _large_array),
    (_sgd, _optimizer_state_data),
    (lambda: torch.inference_mode()(lambda: torch.arange(10_000.0))(), _storage),
], ids=lambda f: getattr(f, "__name__", "")[:30])
def test_in_place_changes_that_bypass_the_version_counter_are_seen(make, change):
    """A learner's function that changes a value through `.data`, a NumPy view or the storage (none of which
    PyTorch counts as an in-place change) still has its change sent back to the test."""
    registry = wire.Registry("L")
    value = make()
    wire.Encoder(registry, Handles()).encode(value)  # as a reply sends it: a module's parameters with it
    with torch.no_grad():
        change(value)
    changed = registry.changed()
    assert any(v is value or (isinstance(value, nn.Module) and v is value.weight) for v in changed), \
        "the change went unseen"
