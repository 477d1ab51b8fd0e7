"""The protocol server and sentinel keys of the provider tests, for the rate-limit test."""

from tests.providers.conftest import fake, protocol_server, provider_env  # noqa: F401
