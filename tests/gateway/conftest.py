"""Fixtures only the gateway's tests use: the gateway with its test routes, a fake identity
provider, the business services' classes. Starting it and signing in: tests/support/gateway.py."""

from __future__ import annotations

import importlib

import pytest

from services import BUSINESS_SERVICES
from services.common.migrations import upgrade
from services.common.settings import database_url
from tests.gateway.doubles import GatewayUnderTest
from tests.gateway.identity_provider import IdentityProvider


@pytest.fixture
def gateway(start_gateway):
    return start_gateway()


@pytest.fixture
def gateway_under_test(start_gateway):
    """The gateway with the test routes of `GatewayUnderTest`; no other service runs."""
    return start_gateway(GatewayUnderTest)


@pytest.fixture
def identity_provider():
    provider = IdentityProvider().start()
    yield provider
    provider.stop()


@pytest.fixture
def business_services(platform_config):
    """The five business service classes, their databases migrated."""
    classes = {}
    for name in BUSINESS_SERVICES:
        upgrade(name, database_url(name))
        module = importlib.import_module(f"services.{name}.service")
        classes[name] = next(
            value
            for value in vars(module).values()
            if isinstance(value, type) and getattr(value, "name", None) == name
        )
    return classes
