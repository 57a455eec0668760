"""The suite's library: where the stack is, its lifecycle, evidence, SSE, SLOs and faults."""
