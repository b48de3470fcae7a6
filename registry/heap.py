"""``settled_heap()``: a long batch job (the daily reminder run) without the garbage collector walking,
again and again, through every object the process had before the job started.

CPython's collector, in its oldest generation, visits every tracked object: in a worker that is the whole
loaded application, some hundred thousand objects. A job that makes hundreds of thousands of new ones
(rows, letters) triggers that full walk several times; in the daily reminder run of 1,000 schools it was
a fifth of the process's time (``bench_reminders``). ``gc.freeze()`` moves the objects that exist at the
start into a permanent generation the collector skips; what the job itself creates is collected as
usual, and ``gc.unfreeze()`` at the end gives the old objects back to it. Where something froze the heap
already (a server that freezes after loading the application), it is left as it is.
"""

import contextlib
import gc


@contextlib.contextmanager
def settled_heap():
    if gc.get_freeze_count() or not gc.isenabled():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
