"""Benchmarks of the platform's messaging against raw AMQP on the same broker, in one run.

`python -m bench` prints figures and ratios; it is not a timed test and asserts nothing.
"""
