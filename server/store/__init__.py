"""Stores chosen by URL: sqlite:///path (default) or postgresql://... (same SQL store)."""
from .base import Conflict, Store, StoreUnavailable


def open_store(url, **options):
    if url.startswith(("sqlite:", "postgresql:", "postgresql+")):
        from .sql import SqlStore
        return SqlStore(url, **options)
    raise ValueError(f"unsupported store URL {url!r}: use sqlite:///FILE or postgresql://...")


__all__ = ["Conflict", "Store", "StoreUnavailable", "open_store"]
