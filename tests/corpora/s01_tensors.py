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
        right("indexing with None", '''
def row_and_column(v):
    return v[None, :], v[:, None]
'''),
    ],
}
