"""The notifications service's use cases: one function per RPC, per event handler and per
timer, each taking a command, the unit of work, the clock and the ports it needs (the
dispatcher's wake-up, the webhook test call), and opening its transaction.

The entrypoints in service.py load the input, build the command, call the use case and
return its answer; the rules live in the modules beside this package (intake, inbox,
preferences, subscriptions, delivery_log, template_store, admin_changes), the order of a
use case's steps here.
"""
