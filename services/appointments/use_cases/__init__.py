"""The appointments service layer: one function per RPC and timer.

Each takes its command (a frozen dataclass beside it), the unit of work, the clock and the
settings, and opens its transactions itself; the entrypoints in `service.py` load their
input, build the command, call one of these and answer. By area: `citizens` (booking and
managing an appointment), `desk` (the day at the desk, walk-ins, figures), `catalogue`
(reading and keeping it, availability), `upkeep` (the timers).
"""
