"""torchcourse.check: strict about types, and its messages say expected vs found."""

import numpy as np
import pytest
import torch

from torchcourse import check


class ClaimsEquality:
    """An object that says it equals anything, and pretends to have a tensor's attributes."""

    shape = torch.Size([2])
    dtype = torch.float32

    def __eq__(self, other):
        return True

    def __bool__(self):
        return True


class SneakyTensor(torch.Tensor):
    def __eq__(self, other):
        return torch.ones_like(torch.Tensor(self), dtype=torch.bool)


def fails_with(text, function, *args, **kwargs):
    with pytest.raises(AssertionError) as error:
        function(*args, **kwargs)
    assert text in str(error.value), str(error.value)
    return str(error.value)


@pytest.mark.parametrize("impostor", [ClaimsEquality(), [1.0, 2.0], np.array([1.0, 2.0]), 3.0, None,
                                      SneakyTensor([9.0, 9.0])])
def test_only_real_tensors_pass(impostor):
    fails_with("expected a torch.Tensor, found", check.close, impostor, torch.tensor([1.0, 2.0]), "answer")


def test_parameters_are_tensors():
    check.close(torch.nn.Parameter(torch.tensor([1.0, 2.0])), torch.tensor([1.0, 2.0]))


def test_named_tuple_gets_a_hint():
    message = fails_with("torch.return_types.max", check.equal, torch.tensor([[1, 2]]).max(dim=1), torch.tensor([1]))
    assert "result.indices" in message


def test_shape_messages_and_hints():
    assert "transpose" in fails_with("expected shape (2, 3), found (3, 2)", check.shape, torch.zeros(3, 2), (2, 3))
    assert "squeeze" in fails_with("expected shape (4,), found (4, 1)", check.shape, torch.zeros(4, 1), (4,))
    assert "unsqueeze" in fails_with("expected shape (1, 4), found (4,)", check.shape, torch.zeros(4), (1, 4))


def test_dtype_message():
    fails_with("expected dtype torch.float32, found torch.float64", check.close,
               torch.zeros(2, dtype=torch.float64), torch.zeros(2))


def test_value_message_names_the_worst_index():
    message = fails_with("expected values [0, 1, 2], found [0, 1, 5]", check.close,
                         torch.tensor([0.0, 1.0, 5.0]), torch.tensor([0.0, 1.0, 2.0]), "f(x)", "a hint")
    assert "index (2,)" in message and message.startswith("f(x): ") and message.endswith("Hint: a hint")


def test_tolerance_and_exactness():
    check.close(torch.tensor([1.0]), torch.tensor([1.0 + 1e-7]))
    fails_with("expected values", check.equal, torch.tensor([1.0]), torch.tensor([1.0 + 1e-6]))
    check.equal(torch.tensor([True, False]), torch.tensor([True, False]))
    fails_with("expected values", check.equal, torch.tensor([1, 2]), torch.tensor([1, 3]))


def test_results_on_another_device_compare_by_value():
    check.shape(torch.zeros(2, device="meta"), (2,))
    if torch.cuda.is_available():
        check.close(torch.ones(2, device="cuda"), torch.ones(2))


def test_number_wants_a_python_number_of_the_right_kind():
    check.number(2.0, 2.0)
    assert ".item()" in fails_with("expected a Python float, found torch.Tensor", check.number, torch.tensor(2.0), 2.0)
    fails_with("expected a Python float, found int", check.number, 2, 2.0)
    fails_with("expected a Python int, found bool", check.number, True, 1, kind=int)
    fails_with("expected 2.0, found 2.5", check.number, 2.5, 2.0)


def test_pair_and_that():
    assert check.pair((1, 2)) == (1, 2)
    fails_with("expected a tuple of two values, found list of length 2", check.pair, [1, 2])
    fails_with("expected a tuple of two values, found torch.Tensor", check.pair, torch.zeros(2, 3))
    check.that(True, "x", "never shown")
    fails_with("x: the message", check.that, 1, "x", "the message")


def test_random_tensor_is_reproducible_and_in_range():
    a = check.random_tensor((3, 4), 7)
    assert torch.equal(a, check.random_tensor((3, 4), 7)), "the same seed must give the same tensor"
    b = check.random_tensor((50,), 1, torch.uint8, 0, 256)
    assert b.dtype == torch.uint8 and int(b.min()) >= 0, f"uint8 range: found {b.min()}..{b.max()}"
    assert check.random_tensor((5,), 3, torch.bool).dtype == torch.bool, "bool tensors from random_tensor"


def test_hidden_tests_leave_nothing_in_the_working_folder(tmp_path):
    """Grading runs in the learner's folder: hypothesis must not write .hypothesis/ there."""
    import subprocess
    import sys

    script = (
        "from hypothesis import given\n"
        "from torchcourse import check\n"
        "@check.hidden\n"
        "@given(shape=check.shapes(), seed=check.seeds())\n"
        "def hidden(shape, seed):\n"
        "    check.random_tensor(shape, seed)\n"
        "hidden()\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=tmp_path, check=True)
    assert list(tmp_path.iterdir()) == [], f"left behind: {sorted(p.name for p in tmp_path.iterdir())}"


def test_two_different_numbers_never_print_alike():
    message = fails_with("expected 0.1, found 0.1000001.", check.number, 0.1000001, 0.1, tol=1e-9)
    assert "float32" in message  # the hint names the usual cause of a difference in the 7th digit
    message = fails_with("expected 0.3, found 0.30000001", check.number, 0.3000000119, 0.3, tol=1e-12)
    fails_with("expected 4, found 3.", check.number, 3, 4, kind=int)
    fails_with("expected 2.0, found 2.5", check.number, 2.5, 2.0)
    assert "Hint" not in fails_with("expected 2.5, found 2.0.", check.number, 2.0, 2.5)


def test_close_shows_the_digits_and_dtypes_that_differ():
    found = torch.tensor([0.1, 0.2])  # float32: 0.100000001..., 0.200000003...
    message = fails_with("found [0.100000001, 0.200000003]", check.close, found,
                         torch.tensor([0.1, 0.2], dtype=torch.float64), check_dtype=False, atol=0, rtol=0)
    assert "(expected dtype torch.float64, found torch.float32)" in message
    assert "expected 0.2, found 0.200000003" in message and "float32" in message.split("Hint:")[1]
    message = fails_with("expected values [1, 2.5], found [1, 2]", check.close,
                         torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.5]))
    assert "Hint" not in message and "dtype" not in message
