"""Fonts: the `fonts/` manifest → @font-face rules, and which font covers which character.

The renderer is given these fonts and nothing else, so coverage read from their cmaps
is exactly what can be drawn: a character outside all of them is reported, never left to
a system font or drawn as tofu.
"""
from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path

from fontTools.ttLib import TTFont

from .errors import InputError

# The traditional typesetter's placeholder for a character there is no type for.
GETA = '\u3013'


@dataclass(frozen=True)
class FontSpec:
    family: str
    file: Path
    weight: int
    role: str
    licence: str
    # A family for these characters only (a subset file, see tools/subset_fonts.py);
    # empty for a whole font.
    characters: str = ''

    def covers(self, codepoint: int) -> bool:
        return not self.characters or chr(codepoint) in self.characters


def load_manifest(fonts_dir: Path) -> list[FontSpec]:
    manifest = fonts_dir / 'manifest.toml'
    try:
        data = tomllib.loads(manifest.read_text(encoding='utf-8'))
    except FileNotFoundError:
        raise InputError('font manifest not found', manifest) from None
    except tomllib.TOMLDecodeError as e:
        raise InputError(f'font manifest is not valid TOML: {e}', manifest) from None
    specs = []
    for entry in data.get('font', []):
        path = fonts_dir / entry['file']
        if not path.is_file():
            raise InputError(f'font file {entry["file"]} ({entry["family"]}) is missing', path)
        spec = FontSpec(entry['family'], path, int(entry.get('weight', 400)),
                        entry.get('role', ''), entry.get('licence', ''), entry.get('characters', ''))
        specs.append(spec)
    return specs


def font_face_css(specs: list[FontSpec]) -> str:
    rules = []
    for s in specs:
        rules.append(
            f'@font-face {{ font-family: "{s.family}"; font-weight: {s.weight}; '
            f'src: url("{s.file.resolve().as_uri()}"); }}')
    return '\n'.join(rules)


@functools.lru_cache(maxsize=32)
def _font(path: str, mtime: float):
    """A font's cmap and its (lazily read) tables, read once per process."""
    try:
        font = TTFont(path, lazy=True, fontNumber=0)
        # Glyphs by number, not by name: a CFF font's names are read from its charset,
        # which takes fontTools' CFF and OpenType table code to import (0.03 s) and the
        # charset to parse, for coverage and advances that only need the numbers.
        font.setGlyphOrder([f'glyph{gid:05d}' for gid in range(font['maxp'].numGlyphs)])
        return font['cmap'].getBestCmap() or {}, font
    except Exception as e:  # a damaged font is the user's input
        raise InputError(f'cannot read font: {e}', path) from None


@functools.lru_cache(maxsize=32)
def _cmap(path: str, mtime: float) -> frozenset[int]:
    return frozenset(_font(path, mtime)[0])


def cmap(spec: FontSpec) -> frozenset[int]:
    try:
        mtime = spec.file.stat().st_mtime
    except OSError:
        raise InputError(f'cannot read font file for {spec.family}', spec.file) from None
    return _cmap(str(spec.file), mtime)


@functools.lru_cache(maxsize=32)
def _advances(path: str, mtime: float) -> dict[int, float]:
    cmap, font = _font(path, mtime)
    try:
        hmtx = font['hmtx']
        upm = font['head'].unitsPerEm
    except Exception as e:
        raise InputError(f'cannot read font: {e}', path) from None
    return {cp: hmtx[name][0] / upm for cp, name in cmap.items()}


def text_width(text: str, specs: list[FontSpec]) -> float:
    """The advance of `text` in em, each character from the first of `specs` that has
    it (as the renderer chooses along a font-family list); 1 em where none has it."""
    tables = [(spec, _advances(str(spec.file), spec.file.stat().st_mtime)) for spec in specs]
    width = 0.0
    for ch in text:
        cp = ord(ch)
        width += next((table[cp] for spec, table in tables if cp in table and spec.covers(cp)), 1.0)
    return width


def family_specs(specs: list[FontSpec], families, weight: int = 400) -> list[FontSpec]:
    """The fonts a CSS font-family list at `weight` draws with, in order: per family the
    face of the nearest weight."""
    out = []
    for family in families:
        faces = [s for s in specs if s.family == family]
        if faces:
            out.append(min(faces, key=lambda s: abs(s.weight - weight)))
    return out


def uncovered(text: str, specs: list[FontSpec]) -> set[str]:
    """Characters of `text` that no configured font has a glyph for."""
    chars = {c for c in set(text) if not c.isspace() and ord(c) >= 0x20 and not _invisible(c)}
    # Fonts are asked in manifest order and only while something is left uncovered, so a
    # document inside the body font never pays for reading the large fallback's cmap.
    for spec in specs:
        if not chars:
            break
        covered = cmap(spec)
        chars = {c for c in chars if ord(c) not in covered}
    return chars


def _invisible(c: str) -> bool:
    # Format and control characters (ZWJ, bidi marks, variation selectors) are not drawn.
    import unicodedata
    return unicodedata.category(c) in ('Cc', 'Cf', 'Mn', 'Me') or 0xFE00 <= ord(c) <= 0xFE0F
