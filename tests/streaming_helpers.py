"""A streamed download read to its end under tracemalloc: its lines and the peak memory it took."""
from __future__ import annotations

import tracemalloc


def streamed_lines_and_peak(client, url: str) -> tuple[int, int]:
    """(lines, peak bytes) of the streamed response at url, which must answer 200 and stream."""
    tracemalloc.start()
    try:
        response = client.get(url, buffered=False)
        assert response.status_code == 200 and response.is_streamed
        lines = sum(chunk.count(b"\n") for chunk in response.response)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return lines, peak
