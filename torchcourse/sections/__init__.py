"""One module per section (`s05_optim` for solutions/05_optim): the machinery its notebook calls.

A section's set-up cell imports its module as `section`. It holds what a learner
need not read to learn the section: the helpers its visible test cells call
(comparisons, spies, hint texts), so that a test cell reads as a few lines of
checks, and the drawing code of its explanatory figures. Helpers take the
learner's function or class as an argument; they never look up a learner's name.

These modules ship to learners with `check` (the learner package): they hold no
reference solution and no hidden test. Hidden tests stay in the instructor's
notebook and may call these helpers.
"""
