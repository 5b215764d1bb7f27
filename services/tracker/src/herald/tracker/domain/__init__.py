"""Tracker's pure rules, no I/O: monthly `partitions` and retention, which events are
admitted (`window`), what a batch of recipients erases (`erasure`), and `report`
arithmetic (counts, rates, how a request ends)."""
