"""Wrong and right answers that prove each exercise's tests.

One module per section, named after it (`s01_tensors.py` for `01_tensors`),
with ANSWERS: a dict from exercise number ("01", ...) to a list of
`wrong(...)` and `right(...)` entries. Each answer is the full source of the
exercise's solution cell as a learner might write it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    correct: bool
    why: str              # the mistake (or the alternative) in a few words
    code: str             # the learner's solution cell
    expect: str = ""      # for a wrong answer: text the failure message must contain


def wrong(why, code, expect):
    """A mistake learners make; the exercise's tests must fail with a message containing `expect`."""
    return Answer(False, why, code, expect)


def right(why, code):
    """A correct answer written differently from the reference; the exercise's tests must pass."""
    return Answer(True, why, code)
