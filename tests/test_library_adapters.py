"""The app's only uses of libraries' private APIs, each behind one small adapter: these tests
fail loudly when an upgrade renames or reroutes what the adapter relies on.

- rate_limits.trust_new_storage sets Flask-Limiter's `Limiter._storage_dead` (no public way
  to say "this new storage is healthy").
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from limits.storage import MemoryStorage

from bidbazaar import rate_limits

# --------------------------------------------------------------------------- Flask-Limiter


def limiter_with_fallback() -> Limiter:
    limiter = Limiter(key_func=lambda: "k", in_memory_fallback_enabled=True, storage_uri="memory://")
    limiter.init_app(Flask("adapter-test"))
    return limiter


def test_flask_limiter_still_keeps_the_dead_storage_flag_on_the_instance() -> None:
    limiter = limiter_with_fallback()

    assert vars(limiter).get("_storage_dead") is False, "Flask-Limiter renamed or moved _storage_dead"


def test_the_flag_still_decides_between_the_storage_and_the_in_memory_fallback() -> None:
    limiter = limiter_with_fallback()
    healthy = limiter.limiter  # the public property every charge goes through

    limiter._storage_dead = True  # what Flask-Limiter itself sets when the storage fails
    assert limiter.limiter is not healthy, "setting _storage_dead no longer switches to the fallback"
    assert isinstance(limiter.limiter.storage, MemoryStorage)

    rate_limits.trust_new_storage(limiter)
    assert limiter.limiter is healthy
