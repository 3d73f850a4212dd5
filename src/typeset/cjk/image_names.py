"""Image names that do not depend on where the project lies (kept with the other changes
to WeasyPrint, in cjk/, though it has nothing to do with CJK).

WeasyPrint 70 names an image's XObject `md5(absolute URL)` (weasyprint/images.py,
get_image_from_uri), so the same project built in two folders gave different bytes, and
anyone could test a guess of the build path against a PDF. The row IMAGE_NAMES of
cjk/patches.py's table replaces the `md5` that module imported with one that first
rewrites a URL under one of the build's folders as a name relative to it (`project-root-0/figure.png`): same project, same
bytes, wherever it is built. The other uses of md5 in WeasyPrint hash font descriptions
and cache keys, not paths, and are left alone.
"""
from __future__ import annotations

import hashlib
from contextlib import contextmanager
from pathlib import Path

_prefixes: list[tuple[str, str]] = []


def _md5(data=b'', **kwargs):
    if _prefixes and isinstance(data, bytes):
        text = data.decode('utf-8', errors='surrogateescape')
        for prefix, name in _prefixes:
            if text.startswith(prefix):
                data = (name + text[len(prefix):]).encode('utf-8', errors='surrogateescape')
                break
    return hashlib.md5(data, **kwargs)


def relative_md5(original):
    """The replacement of `weasyprint.images.md5` (a row of cjk/patches.py's table)."""
    if original is not hashlib.md5:
        from . import UnsupportedWeasyPrint
        raise UnsupportedWeasyPrint('weasyprint.images no longer names images with hashlib.md5; '
                                    'typeset.cjk.image_names must be revised for this version')
    _md5.__wrapped__ = original
    return _md5


@contextmanager
def relative_to(folders: list[Path]):
    """Within the block, image URLs under `folders` are named relative to them."""
    from . import patches
    patches.install(lambda patch: patch is patches.IMAGE_NAMES)  # whatever else was taken out
    previous = list(_prefixes)
    # Longest first, so a folder inside another is matched before it.
    ordered = sorted(((Path(f).resolve().as_uri().rstrip('/') + '/', f'project-root-{i}/')
                      for i, f in enumerate(folders)), key=lambda p: -len(p[0]))
    _prefixes[:] = ordered
    try:
        yield
    finally:
        _prefixes[:] = previous
