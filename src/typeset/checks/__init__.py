"""`typeset check`: lint the manuscript, build the PDF, verify the PDF against both.

    >>> from typeset.checks import check
    >>> result = check('source/report.md')
    >>> result.findings, result.errors, result.pdf

Rules are switched off or re-graded per document in front matter:

    checks:
      paragraph-end: off          # or false
      line-not-flush: warning
"""
from __future__ import annotations

import bisect
import ctypes
from array import array
import gc
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Finding, InputError
from ..sandbox import RULE_ATTACHMENT, RULE_LINK, RULE_MISSING, RULE_OUTSIDE, RULE_TOO_LARGE
from . import diff, gongwen_rules, pdf_rules, source_rules

SEVERITIES = ('error', 'warning', 'info')
ALL_RULES = {r.id: (r.severity, r.description) for r in source_rules.RULES}
ALL_RULES.update(pdf_rules.RULES)
ALL_RULES.update(gongwen_rules.RULES)
# Findings the build itself makes (pipeline, render, the sandbox): a document's `checks:`
# may grade or switch them off like any other rule.
for rule, severity, description in [
        ('glyph-missing', 'error', 'a character no configured font has'),
        ('control-character', 'error', 'a control character in the manuscript'),
        ('image-not-loaded', 'error', 'an image that could not be used, with the reason'),
        (RULE_OUTSIDE, 'error', 'a resource the sandbox refused'),
        (RULE_MISSING, 'error', 'a resource that is not there'),
        (RULE_TOO_LARGE, 'error', 'a resource over the size limit'),
        (RULE_LINK, 'warning', 'a link to a local file or an unknown scheme, removed'),
        (RULE_ATTACHMENT, 'error', 'an attachment not listed under embed:')]:
    ALL_RULES.setdefault(rule, (severity, description))


@dataclass
class CheckResult:
    source: Path
    pdf: Path | None
    pages: int
    findings: list[Finding]
    seconds: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == 'error']


def rule_settings(meta: dict, path) -> tuple[set[str], dict[str, str]]:
    """The `checks:` front matter key → (rules switched off, severities changed)."""
    value = meta.get('checks')
    disabled: set[str] = set()
    severity: dict[str, str] = {}
    if value is None:
        return disabled, severity
    if isinstance(value, str):
        value = [v.strip() for v in value.split(',') if v.strip()]
    if isinstance(value, list):
        value = {str(v): 'off' for v in value}
    if not isinstance(value, dict):
        raise InputError('checks must be a mapping of rule ids to off/warning/error, or a list of rule ids to switch off',
                         path, _key_line(path, 'checks'))
    for rule, setting in value.items():
        rule = str(rule)
        if rule not in ALL_RULES and rule != 'all':
            known = ', '.join(sorted(ALL_RULES))
            raise InputError(f'unknown rule {rule!r} in checks; known rules: {known}', path,
                             _key_line(path, rule))
        if setting in (False, None, 'off', 'no', 'false', 0):
            setting = 'off'
        elif setting is True or setting == 'on':
            setting = ALL_RULES.get(rule, ('error',))[0] if rule != 'all' else 'on'
        if setting not in ('off', 'on') + SEVERITIES:
            raise InputError(f'checks: {rule}: {setting!r} is not one of off, error, warning, info', path,
                             _key_line(path, rule))
        targets = list(ALL_RULES) if rule == 'all' else [rule]
        for t in targets:
            if setting == 'off':
                disabled.add(t)
            elif setting != 'on':
                severity[t] = setting
    return disabled, severity


def _key_line(path, key) -> int | None:
    try:
        for n, line in enumerate(Path(path).read_text(encoding='utf-8', errors='replace').split('\n'), 1):
            if re.match(rf'\s*-?\s*{re.escape(key)}\s*:?', line) and n > 1:
                return n
    except OSError:
        pass
    return None


def _locator(blocks, expected_text: str, source_text: str = ''):
    """Expected (rendered) character index → (file line, col), by aligning the rendered
    text with the manuscript's reader-visible text."""
    from .text import BOUNDARY, LINK_EDGE
    # kept while the PDF is read: lines and columns as arrays, not a tuple a character
    # (-18 MB at 700 pages)
    text, lines, cols = [], array('l'), array('l')
    for b in blocks:
        for c, ln, col in b.chars:
            if c not in (BOUNDARY, LINK_EDGE) and not c.isspace():
                text.append(c)
                lines.append(ln)
                cols.append(col)
    src = ''.join(text)
    text = None
    starts, targets = [], []
    for op, i1, i2, j1, j2 in diff.opcodes(expected_text, src):
        starts.append(i1)
        targets.append((op, i1, j1, j2))

    def locate(i: int):
        if not lines:
            return None
        k = bisect.bisect_right(starts, i) - 1
        if k < 0:
            return None
        op, i1, j1, j2 = targets[k]
        if op != 'equal' and source_text:
            found = _search(source_text, expected_text[max(0, i - 6):i + 1])
            if found:
                return found
        j = j1 + (i - i1) if op == 'equal' else j1
        j = max(0, min(j, len(lines) - 1))
        return lines[j], cols[j]
    return locate


def _search(text: str, context: str):
    """Where `context` (spaces ignored) occurs once in the file: (line, col)."""
    if len(context) < 3:
        return None
    hits = []
    for n, line in enumerate(text.split('\n'), 1):
        squeezed = [(c, k) for k, c in enumerate(line) if not c.isspace()]
        s = ''.join(c for c, _ in squeezed)
        at = s.find(context)
        if at >= 0:
            hits.append((n, squeezed[at + len(context) - 1][1] + 1))
    return hits[0] if len(hits) == 1 else None


def check(source_path='source/report.md', output=None, *, style=None,
          source_only: bool = False) -> CheckResult:
    """Lint the source, build the PDF (to `output`, default output/<name>.pdf) and
    verify it. Raises `InputError` for input that cannot be used."""
    from .. import pipeline
    from ..source import read_source
    times = {}
    t0 = time.perf_counter()
    source = read_source(source_path)
    disabled, severity = rule_settings(source.meta, source.path)
    findings = source_rules.lint(source, disabled, severity)
    findings += _graded(gongwen_rules.lint(source), disabled, severity)
    times['lint'] = time.perf_counter() - t0
    if source_only:
        source.place(findings)
        return CheckResult(source.path, None, 0, findings, times, list(source.notes))
    t = time.perf_counter()
    built = pipeline.build(source_path, output, style=style, source=source)
    # The build's boxes are cyclic garbage until a full collection (rare while building,
    # see warm.py): collected now, they are not held while the PDF is read (-10 % peak).
    gc.collect()
    _return_freed_memory()
    times['build'] = time.perf_counter() - t
    t = time.perf_counter()
    prepared = built.prepared
    layout = pdf_rules.probe_layout(prepared.style)
    pdf_findings, pages = _verify(built.output, prepared, layout, source, built.composition)
    pdf_findings += gongwen_rules.verify(source, pages, built.output, prepared.html, prepared.style.name)
    findings += _graded(pdf_findings + built.findings, disabled, severity)
    times['verify'] = time.perf_counter() - t
    source.place(findings)
    times['total'] = time.perf_counter() - t0
    return CheckResult(source.path, built.output, built.pages, findings, times,
                       list(built.notes) + [f'warning: {w}' for w in built.warnings])


def _return_freed_memory() -> None:
    """glibc keeps the heap the build freed (Pango's and cairo's, Python's large blocks)
    as the process's own: handed back, reading the PDF does not add to the build's peak
    (a 700-page check: 366 MB held after the build, 241 MB after this)."""
    try:
        ctypes.CDLL('libc.so.6').malloc_trim(0)
    except (OSError, AttributeError):   # not glibc: nothing to hand back this way
        pass


def _graded(findings, disabled, severity) -> list[Finding]:
    """Findings with the document's `checks:` settings applied."""
    out = []
    for f in findings:
        if f.rule in disabled:
            continue
        if f.rule in severity:
            f.severity = severity[f.rule]
        out.append(f)
    return out


def _verify(pdf, prepared, layout, source, composition=None):
    from .text import blocks_of
    exp = pdf_rules.expected_text(prepared)
    # The manuscript's blocks (a tuple per character, ~290 MB for 5 MB of text) are made
    # after the expected text's computed styles are gone, and are gone themselves before
    # the PDF is read: the locator keeps what it needs of them.
    locate = _locator(blocks_of(source), exp.text, prepared.source.text)
    return pdf_rules.verify(pdf, prepared, layout=layout, locate=locate, expected=exp,
                            composition=composition)
