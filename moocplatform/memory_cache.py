"""What a worker keeps in memory between requests: a bounded map per name in each application, the least recently
used entry out first. Only for what never changes under its key (stored course versions; a post rendered from
every input that shapes it), so it needs no invalidation and every node may hold its own copy."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from flask import current_app


class MemoryCache:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.lock = Lock()

    def get(self, key: Hashable, load: Callable[[], Any]) -> Any:
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
                return self.items[key]
        value = load()
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)
        return value


def memory_cache(name: str, size: int) -> MemoryCache:
    """The current application's cache of this name (made at its first use, holding at most `size` entries)."""
    return current_app.extensions.setdefault(f"moocplatform.{name}", MemoryCache(size))
