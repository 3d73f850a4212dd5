"""Word segmentation, to break titles and headings between words (GB/T 9704 7.2.3 词意完整).

jieba's algorithm: the dictionary words found in the text form a graph, the most probable
route through it is the segmentation, and a hidden Markov model groups the characters of
words the dictionary lacks (names of places and bodies). The dictionary is the one inside
the jieba package (dict.txt, 349,046 words): nothing is fetched and nothing is written.

Cost. jieba's own start-up builds a prefix table of every word: about 1 s, or 0.8 s from
the marshal cache it keeps in the shared temporary folder (a file any user there could
plant, and outside the project). The route only ever asks about substrings of the text,
so only those words are taken from the dictionary: one scan of the file (0.03–0.05 s),
plus reading it (0.02 s) and importing jieba (0.04 s) once per process. A document pays
this only when a title or heading is long enough to break (in all about 0.1 s of CPU for
the seed's ten headings, against 1.2 s for its whole build); `typeset watch` and batch
workers read the file once, and each text's words are remembered.
"""
from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path

# Longer dictionary words exist (idioms, names of bodies), but no break is chosen inside
# a word longer than this, so a longer one cannot change a title's breaks.
LONGEST_WORD = 16


# The total of the counts of jieba 0.42's dict.txt (5,071,852 bytes): adding them up takes
# 0.06 s, a third of what segmenting a document costs. Any other file is counted.
KNOWN_TOTALS = {5071852: 60101967}


@functools.lru_cache(maxsize=1)
def _dictionary() -> tuple[str, int]:
    """jieba's dictionary as text, and the total of its counts (the route's denominator)."""
    spec = importlib.util.find_spec('jieba')
    path = Path(spec.origin).parent / 'dict.txt'
    data = path.read_bytes()
    # Each entry follows a line feed, the first one too (see _frequencies): added to the
    # bytes, not to the decoded text, which would copy its 5 million characters again.
    text = (b'\n' + data).decode('utf-8')
    total = KNOWN_TOTALS.get(len(data)) or sum(map(int, re.findall(r' (\d+)', text)))
    return text, total


@functools.lru_cache(maxsize=1)
def _jieba():
    # jieba._compat imports pkg_resources (0.15 s, and deprecated) only to locate its own
    # files; without it jieba opens them beside its module: the same files.
    saved = sys.modules.get('pkg_resources')
    sys.modules['pkg_resources'] = None
    try:
        import jieba
    finally:
        if saved is None:
            del sys.modules['pkg_resources']
        else:
            sys.modules['pkg_resources'] = saved
    return jieba


def _substrings(texts: list[str]) -> set[str]:
    found = set()
    for text in texts:
        for i in range(len(text)):
            for j in range(i + 1, min(len(text), i + LONGEST_WORD) + 1):
                found.add(text[i:j])
    return found


def _frequencies(texts: list[str]) -> tuple[dict[str, int], int]:
    """The dictionary restricted to words inside `texts`, with every prefix of a word
    present (count 0), as jieba's route expects."""
    text, total = _dictionary()
    wanted = _substrings(texts)
    firsts = ''.join(sorted({w[0] for w in wanted}))
    freq: dict[str, int] = {}
    if not firsts:
        return freq, total
    # A line feed, not ^ with re.M: the scan then looks for one character, not at every
    # position whether a line starts there (0.026 s instead of 0.087 s).
    pattern = re.compile(f'\\n([{re.escape(firsts)}][^ \\n]*) (\\d+)(?: ([a-z]+))?')
    for word, count, tag in pattern.findall(text):
        if word in wanted:
            freq[word] = int(count)
            _tags[word] = tag
            for k in range(1, len(word)):
                freq.setdefault(word[:k], 0)
    return freq, total


def segment_all(texts: list[str]) -> list[list[str]]:
    """Each text as a list of words (their concatenation is the text)."""
    todo = [t for t in dict.fromkeys(texts) if t not in _known]
    if todo:
        jieba = _jieba()
        tokenizer = jieba.Tokenizer()
        # The tokenizer is given the words it will be asked about, instead of building
        # the whole prefix table (initialize()); route and HMM are jieba's own.
        tokenizer.FREQ, tokenizer.total = _frequencies(todo)
        tokenizer.initialized = True
        for t in todo:
            _known[t] = list(tokenizer.cut(t, HMM=True))
    return [list(_known[t]) for t in texts]


def segment(text: str) -> list[str]:
    return segment_all([text])[0]


def part_of_speech(word: str) -> str:
    """The dictionary's tag of a word segmented in this process (n noun, v verb, p
    preposition, …; jieba's tag set), '' for a word it lacks."""
    return _tags.get(word, '')


# Segmentations made in this process: a rebuild in `typeset watch` segments nothing twice.
_known: dict[str, list[str]] = {}
_tags: dict[str, str] = {}
