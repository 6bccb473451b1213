"""The test's own RPC clients: stock nameko's, never waiting for ever, calling as a signed caller.

Tests write a caller as `{"user_id": ..., "user_role": ..., "user_departments": [...]}`;
`cluster_client` turns those keys into the signed assertion the gateway would send (with the
development key every test platform trusts), so that services verify it as in production.
A test that means to send something unsigned or forged passes `raw_context=True`.
"""

from __future__ import annotations

from collections.abc import Sequence

from nameko.standalone.rpc import ClusterRpcClient

from services.common.identity import (
    DEVELOPMENT_KEY_ID,
    DEVELOPMENT_SIGNING_KEY,
    Caller,
    IdentitySigner,
)

SIGNER = IdentitySigner(DEVELOPMENT_KEY_ID, DEVELOPMENT_SIGNING_KEY)
_CALLER_KEYS = ("user_id", "user_role", "user_departments", "user_name")


def signed(role: str, subject: str, departments: Sequence[str] = (), name: str | None = None):
    """The context_data of a call on behalf of `subject` with `role`, signed as the gateway does."""
    return SIGNER.context_for(Caller(subject, role, tuple(departments), name))


def cluster_client(
    context_data: dict | None = None, timeout: float = 10.0, *, raw_context: bool = False
) -> ClusterRpcClient:
    context = dict(context_data or {})
    if not raw_context and "user_id" in context:
        caller = [context.pop(key, None) for key in _CALLER_KEYS]
        context.update(signed(caller[1], caller[0], caller[2] or (), caller[3]))
    return ClusterRpcClient(context_data=context, timeout=timeout)


def as_caller(
    role: str,
    subject: str,
    departments: Sequence[str] = (),
    name: str | None = None,
    *,
    timeout: float = 10.0,
) -> ClusterRpcClient:
    """A client calling as a signed-in `subject` with `role`, as the gateway would: signed
    when it is made, so a long run makes its client where it calls (an assertion lives five
    minutes)."""
    return ClusterRpcClient(context_data=signed(role, subject, departments, name), timeout=timeout)
