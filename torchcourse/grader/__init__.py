"""The course's grader: runs learners' notebooks isolated, in parallel, and judges them.

    cells       which cells are tests, and where their hidden tests are (nbgrader's delimiters)
    isolation   the operating-system layers around a submission's processes (namespaces, file system, users)
    cgroup      one control group per submission (memory, processes, CPU weight), where cgroups can be written
    wire        the channel between the trusted test process and the learner's process, and its codecs
    learner     the learner's process: runs the learner's cells, answers the trusted side's requests
    tester      the trusted process: runs the test cells and decides every verdict
    zygote      a warm process that forks both processes of each submission and enforces the time limits
    pool        the driver's side: hands submissions to the zygote, reads the results back as untrusted input
    steps       nbgrader extension points: the sandboxed Execute step, feedback without hidden tests
    autograde   `grading/autograde ASSIGNMENT`: a whole class, in parallel, with report and feedback
    report      grades CSV, per-exercise plot and the HTML report
    release     `grading/release-feedback`: feedback through the exchange, or listed to hand back (LMS, by hand)
    lms         `grading/export-canvas`: the gradebook as a CSV for an LMS's (Canvas's) gradebook import
    hooks       nbgrader's kernel set-up (stderr is not a failure) and Run All going on in learners' notebooks
    late        the late-submission penalty nbgrader applies (a LateSubmissionPlugin: a share per day late)
"""
