"""Support code for the PyTorch course notebooks.

`torchcourse.check` holds the assertions that the exercises' test cells use.
It holds no answers: every expected value is computed inside the test cell.
"""
