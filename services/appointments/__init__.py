"""The appointments service."""
