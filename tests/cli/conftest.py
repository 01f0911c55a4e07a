# The CLI's OAuth tests use the same real provider and API as the auth layer's tests.
from tests.auth.conftest import oidc_provider, protected_api

__all__ = ["oidc_provider", "protected_api"]
