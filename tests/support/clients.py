"""The test's own RPC client: stock nameko's, but never waiting for ever for a reply."""

from __future__ import annotations

from nameko.standalone.rpc import ClusterRpcClient


def cluster_client(context_data: dict | None = None, timeout: float = 10.0) -> ClusterRpcClient:
    return ClusterRpcClient(context_data=context_data, timeout=timeout)


def as_caller(role: str, subject: str) -> ClusterRpcClient:
    """A client calling as a signed-in `subject` with `role`, as the gateway would."""
    return cluster_client({"user_id": subject, "user_role": role})
