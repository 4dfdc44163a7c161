"""Every change of a removal request and of its lines: transition tables, locks, audit and messages."""
