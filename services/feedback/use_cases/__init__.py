"""The feedback service's use cases: one function per RPC and per event, each taking a
command, the unit of work, the clock and the ports it needs, and opening its transaction.

The entrypoints in service.py load the input, build the command, call the use case and
return its answer; the rules live in the modules beside this package (items, workflow,
participation, ratings, public_map), the order of a use case's steps here.
"""
