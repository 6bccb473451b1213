"""Plumbing shared by every service: configuration, database, events, RPC, errors, logging.

Business rules never live here.
"""
