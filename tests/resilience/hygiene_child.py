"""Run only by test_hygiene.py, in a child pytest with a stack of its own (the file name
keeps it out of normal collection)."""

import time


def test_blocks_inside_a_fault(faults):
    with faults.pause("redis"):
        print("[child] inside the fault", flush=True)
        time.sleep(300)


def test_starts_on_a_steady_stack(faults):
    assert not faults.steady_problems()
