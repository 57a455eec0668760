"""Run only by test_hygiene.py, in a child pytest with a stack of its own (the file name
keeps it out of normal collection)."""

import time


def test_blocks_inside_a_fault(faults):
    """Not a check on its own: run by the interrupt check in test_hygiene.py, it freezes the cache service and
    waits, so that check can stop the run in the middle of a fault."""
    with faults.pause("redis"):
        print("[child] inside the fault", flush=True)
        time.sleep(300)


def test_starts_on_a_steady_stack(faults):
    """Run by the interrupt check in test_hygiene.py after a run was stopped mid-fault: a new run starts with
    every service healthy and the site serving."""
    assert not faults.steady_problems()
