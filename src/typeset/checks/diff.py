"""A character diff for two nearly equal texts, in linear time.

difflib.SequenceMatcher is quadratic in the worst case and slow on the 20 000
characters of a long report; the texts compared here (what the source says, what the
PDF says) are equal but for a few places. Walk both, and at each difference find the
nearest point where they agree again, diffing only the small window between.
"""
from __future__ import annotations

import difflib

ANCHOR = 8
WINDOW = 400


def opcodes(a: str, b: str) -> list[tuple[str, int, int, int, int]]:
    if a == b:
        return [('equal', 0, len(a), 0, len(b))] if a else []
    out: list[tuple[str, int, int, int, int]] = []
    i = j = 0
    n, m = len(a), len(b)

    def add(op, i1, i2, j1, j2):
        if i1 == i2 and j1 == j2:
            return
        if out and out[-1][0] == op == 'equal':
            _, a1, _, b1, _ = out[-1]
            out[-1] = ('equal', a1, i2, b1, j2)
        else:
            out.append((op, i1, i2, j1, j2))

    while i < n and j < m:
        k = 0
        while i + k < n and j + k < m and a[i + k] == b[j + k]:
            k += 1
        add('equal', i, i + k, j, j + k)
        i, j = i + k, j + k
        if i >= n or j >= m:
            break
        sync = _resync(a, b, i, j)
        if sync is None:
            break
        di, dj = sync
        for op in difflib.SequenceMatcher(None, a[i:i + di], b[j:j + dj], autojunk=False).get_opcodes():
            add(op[0], i + op[1], i + op[2], j + op[3], j + op[4])
        i, j = i + di, j + dj
    if i < n or j < m:
        for op in difflib.SequenceMatcher(None, a[i:], b[j:], autojunk=False).get_opcodes():
            add(op[0], i + op[1], i + op[2], j + op[3], j + op[4])
    return out


def _resync(a: str, b: str, i: int, j: int):
    """The smallest (di, dj) after which ANCHOR characters agree again."""
    best = None
    for total in range(1, 2 * WINDOW):
        for di in range(max(0, total - WINDOW), min(total, WINDOW) + 1):
            dj = total - di
            if a[i + di:i + di + ANCHOR] == b[j + dj:j + dj + ANCHOR] and i + di + ANCHOR <= len(a) \
                    and j + dj + ANCHOR <= len(b):
                return di, dj
        if best:
            return best
    return None
