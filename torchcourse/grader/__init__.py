"""The course's grader: runs learners' notebooks isolated, in parallel, and judges them.

    isolation   the operating-system layers around one submission (namespaces, user, limits)
    pristine    the test environment restored before every test cell, and checked after
    runner      runs one notebook's cells inside the isolated process (no Jupyter kernel)
    zygote      a warm process that has imported torch once and forks one sandbox per submission
    results     the untrusted result stream read back and merged into the notebook
    nbgrader    nbgrader extension points: the sandboxed Execute step, feedback without hidden tests
    autograde   `grading/autograde ASSIGNMENT`: a whole class, in parallel, with report and feedback
    report      grades CSV, per-exercise plot and the HTML report
"""
