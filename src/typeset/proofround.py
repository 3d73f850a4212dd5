"""`typeset diff`: what changed between two drafts, listed by page and line and marked on
the new proof.

    >>> import typeset
    >>> result = typeset.diff('round1/report.md', 'round2/report.md')
    >>> [str(c) for c in result.changes], result.reflowed_lines, result.marked

NEW is built once; OLD is read, not built, when it is a manuscript (its text comes from
its reader), or read back when it is a PDF typeset built earlier. Each change is placed
where a proofreader looks for it: 第N页 第M行 of the new PDF (the numbers the marked copy
prints in the margin) and file:line in both manuscripts.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from .checks import compare as cmp
from .checks.compare import Change, Draft
from .errors import InputError

KIND_VERBS = {'insert': 'inserted', 'delete': 'deleted', 'replace': 'replaced', 'format': 'format'}


@dataclass
class Entry:
    """One change of the change list, placed in the new PDF and in both drafts."""
    kind: str
    old_text: str
    new_text: str
    detail: str = ''
    page: int | None = None
    page_line: int | None = None
    column: int | None = None
    new: dict = field(default_factory=dict)    # {path, line}
    old: dict = field(default_factory=dict)    # {path, line} or, for a PDF, {path, page, page_line, column}

    def where(self) -> str:
        pdf = ''
        if self.page:
            pdf = f'第{self.page}页' + (f' 第{self.column}栏' if self.column else '') + \
                f' 第{self.page_line}行'
        return ' '.join(p for p in (pdf, _file_pos(self.new), f'(was {_file_pos(self.old)})') if p)

    def __str__(self) -> str:
        if self.kind == 'format':
            what = f'format: {self.detail}' + (f' “{_short(self.new_text)}”' if self.new_text else '')
        elif self.kind == 'replace':
            what = f'replaced “{_short(self.old_text)}” → “{_short(self.new_text)}”'
        elif self.kind == 'delete':
            what = f'deleted “{_short(self.old_text)}”'
        else:
            what = f'inserted “{_short(self.new_text)}”'
        return f'{self.where()}: {what}'

    def to_dict(self) -> dict:
        out = {'kind': self.kind, 'page': self.page, 'page_line': self.page_line}
        if self.column:
            out['column'] = self.column
        out['new'] = {**self.new, 'text': self.new_text}
        out['old'] = {**self.old, 'text': self.old_text}
        if self.detail:
            out['detail'] = self.detail
        return out


def _in_paragraphs(pos: dict, draft) -> dict:
    """A place in a Word manuscript is also its paragraph, 第N段 (the line is of its Markdown)."""
    paragraphs, line = getattr(draft, 'paragraphs', None), pos.get('line')
    if paragraphs and line and 1 <= line <= len(paragraphs) and paragraphs[line - 1]:
        pos['paragraph'] = paragraphs[line - 1]
    return pos


def _file_pos(pos: dict) -> str:
    if not pos:
        return ''
    if pos.get('paragraph'):
        return f'{pos["path"]} 第{pos["paragraph"]}段'
    if 'page' in pos:
        return f'{pos["path"]} 第{pos["page"]}页' + (f' 第{pos["column"]}栏' if pos.get('column') else '') + \
            f' 第{pos["page_line"]}行'
    return f'{pos["path"]}:{pos["line"]}'


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit // 2] + '……' + text[-limit // 2:]


@dataclass
class DiffResult:
    old: Path
    new: Path
    pdf: Path                      # the new draft's clean PDF
    marked: Path | None            # the marked copy
    changes: list[Entry]
    # re-flow, not a change: lines of the new PDF whose breaks moved, their text the same,
    # as (page, line, column); paragraphs of NEW wrapped otherwise, as (first, last) file line
    reflowed: list[tuple[int, int, int | None]] = field(default_factory=list)
    rewrapped: list[tuple[int, int]] = field(default_factory=list)
    pages: int = 0
    seconds: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        return not self.changes

    @property
    def reflowed_lines(self) -> int:
        return len(self.reflowed)

    @property
    def rewrapped_lines(self) -> int:
        return sum(b - a + 1 for a, b in self.rewrapped)

    def summary(self) -> dict:
        counts = {k: sum(1 for c in self.changes if c.kind == k) for k in KIND_VERBS}
        return {'changes': len(self.changes), **counts, 'reflowed_lines': self.reflowed_lines,
                'rewrapped_manuscript_lines': self.rewrapped_lines}

    def human(self) -> str:
        lines = [str(c) for c in self.changes]
        s = self.summary()
        counted = ', '.join(f'{s[k]} {KIND_VERBS[k]}' for k in KIND_VERBS if s[k])
        wrapped = ', '.join(f'{self.new}:{a}-{b}' for a, b in self.rewrapped)
        total = f'{s["changes"]} change' + ('' if s['changes'] == 1 else 's')
        lines.append(total + (f' ({counted})' if counted else '')
                     + f'; re-flow: {self.reflowed_lines} lines of the new PDF'
                     + (f', {self.rewrapped_lines} manuscript lines re-wrapped ({wrapped})' if wrapped else '')
                     + (f'; marked copy {self.marked}' if self.marked else ''))
        return '\n'.join(lines)

    def as_json(self) -> str:
        reflow = {'pdf_lines': [{'page': p, 'page_line': n, **({'column': c} if c else {})}
                                for p, n, c in self.reflowed],
                  'rewrapped': [{'path': str(self.new), 'first_line': a, 'last_line': b}
                                for a, b in self.rewrapped]}
        return json.dumps({'old': str(self.old), 'new': str(self.new), 'pdf': str(self.pdf),
                           'marked': str(self.marked) if self.marked else None,
                           'changes': [c.to_dict() for c in self.changes], 'summary': self.summary(),
                           'reflow': reflow}, ensure_ascii=False, indent=2)


def marked_path(pdf: Path) -> Path:
    return pdf.with_name(pdf.stem + '.diff.pdf')


def diff(old, new, output=None, *, style=None, pdf=None, marked: bool = True) -> DiffResult:
    """Compare draft `old` (a manuscript, or a PDF typeset built) with manuscript `new`:
    build `new` (to `pdf`, default output/<name>.pdf), list the changes and write the
    marked copy (to `output`, default <pdf>.diff.pdf). Raises `InputError` for input that
    cannot be used."""
    from . import pipeline, proofmarks
    from .checks import pdf_rules
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    old, new = Path(old), Path(new)
    new_ms = cmp.read_manuscript(new)
    prepared = pipeline.prepare(new, style=style)
    layout = pdf_rules.probe_layout(prepared.style)
    clean = Path(pdf) if pdf else pipeline.default_output(new)
    target = Path(output) if output else marked_path(clean)
    if target.resolve() == clean.resolve():
        raise InputError('the marked copy would replace the clean PDF of NEW: give -o another name', target)
    if cmp.is_pdf(old):
        if old.resolve() in (clean.resolve(), target.resolve()):
            raise InputError('is the PDF that building NEW would replace: keep the last round '
                             'under a name of its own (e.g. round1.pdf) and compare with that', old)
        old_draft = cmp.read_pdf_draft(old, layout)
    else:
        old_draft = cmp.read_manuscript(old)
    times['read'] = time.perf_counter() - t0
    t = time.perf_counter()
    built = pipeline.build(new, clean, style=style)
    times['build'] = time.perf_counter() - t
    t = time.perf_counter()
    new_pdf = cmp.read_pdf_draft(built.output, layout)
    times['read_pdf'] = time.perf_counter() - t
    t = time.perf_counter()
    placed = _Placement(new_ms, new_pdf)
    new_draft = new_pdf if old_draft.kind == 'pdf' else new_ms
    comparison = cmp.compare(old_draft, new_draft)
    entries, marks = [], []
    for change in comparison.changes:
        entry, mark = _locate(change, old_draft, new_draft, placed)
        entries.append(entry)
        marks.append(mark)
    result = DiffResult(old, new, built.output, None, entries, pages=built.pages,
                        notes=list(built.notes))
    marked_lines = {id(ln) for m in marks for ln, _ in m.glyphs} | {id(m.caret[0]) for m in marks if m.caret}
    result.reflowed = [(ln.page, ln.number, ln.column)
                       for ln in _reflowed(comparison, old_draft, new_draft, placed, marked_lines)]
    result.rewrapped = sorted((min(v), max(v)) for v in comparison.rewrapped.values())
    times['compare'] = time.perf_counter() - t
    if marked:
        t = time.perf_counter()
        header = f'对照  {old.name} → {new.name}  改动 {len(entries)} 处'
        result.marked = proofmarks.draw(built.output, new_pdf.pages, layout, marks, target, header)
        times['mark'] = time.perf_counter() - t
    times['total'] = time.perf_counter() - t0
    result.seconds = times
    return result


class _Placement:
    """Where each character of the new manuscript is in the new PDF, and back."""

    def __init__(self, manuscript: Draft, pdf: Draft):
        self.manuscript, self.pdf = manuscript, pdf
        self.to_pdf = cmp.link(manuscript, pdf)
        self.to_manuscript = cmp.link(pdf, manuscript)
        self.line_chars: dict[int, list[int]] = {}     # id(pdfread.Line) → its characters
        for k, ch in enumerate(pdf.chars):
            self.line_chars.setdefault(id(ch.glyph[0]), []).append(k)

    def glyph(self, draft: Draft, j: int, exact: bool = False):
        """(Line, Glyph) of character `j` of `draft` (the new manuscript or the new PDF),
        or, unless `exact`, of the nearest character before it that the PDF shows."""
        if draft.kind == 'pdf':
            return draft.chars[j].glyph if 0 <= j < len(draft.chars) else None
        if exact:
            k = self.to_pdf[j] if 0 <= j < len(self.to_pdf) else None
            return self.pdf.chars[k].glyph if k is not None else None
        for k in range(min(j, len(self.to_pdf) - 1), -1, -1):
            if self.to_pdf[k] is not None:
                return self.pdf.chars[self.to_pdf[k]].glyph
        return None

    def file_line(self, draft: Draft, j: int) -> int | None:
        if draft.kind == 'manuscript':
            return draft.chars[j].line if 0 <= j < len(draft.chars) else None
        for k in range(min(j, len(self.to_manuscript) - 1), -1, -1):
            if self.to_manuscript[k] is not None:
                return self.manuscript.chars[self.to_manuscript[k]].line
        return None


def _anchor(draft: Draft, i: int) -> int:
    """The character beside an empty span at `i`: the one before it, where the text taken
    out followed on; the one after it when the span opens a paragraph of a manuscript."""
    n = len(draft.chars)
    if n == 0:
        return 0
    if i >= n:
        return n - 1
    if i > 0 and (draft.kind == 'pdf' or draft.chars[i].block == draft.chars[i - 1].block):
        return i - 1
    return i


def _locate(change: Change, old: Draft, new: Draft, placed: _Placement):
    from .proofmarks import Mark, note_words
    i1, i2 = change.old
    j1, j2 = change.new
    mark = Mark(change.kind, note=note_words(change.kind, change.old_text, change.detail))
    mark.glyphs = [g for g in (placed.glyph(new, j, exact=True) for j in range(j1, j2)) if g is not None]
    if j2 > j1 and not mark.glyphs:
        # the PDF shows none of it where the manuscript says (it is read otherwise): mark the place
        g = placed.glyph(new, j1)
        mark.glyphs = [g] if g else []
    if change.kind in ('delete', 'replace'):
        a = _anchor(new, j1)
        g = placed.glyph(new, a)
        if g is not None:
            ln, glyph = g
            mark.caret = (ln, glyph.x1 if a < j1 else glyph.x0, glyph.base)
    entry = Entry(change.kind, change.old_text, change.new_text, change.detail)
    # a change is where its new text starts, or where the caret marks the text taken out
    ln = mark.glyphs[0][0] if mark.glyphs else mark.caret[0] if mark.caret else None
    if ln is not None:
        entry.page, entry.page_line, entry.column = ln.page, ln.number, ln.column
    jn = j1 if j2 > j1 else _anchor(new, j1)
    entry.new = _in_paragraphs({'path': str(new.path if new.kind == 'manuscript' else placed.manuscript.path),
                                'line': placed.file_line(new, jn)},
                               new if new.kind == 'manuscript' else placed.manuscript)
    io = i1 if i2 > i1 else _anchor(old, i1)
    if old.kind == 'pdf':
        ln = old.chars[io].glyph[0] if 0 <= io < len(old.chars) else None
        entry.old = {'path': str(old.path), 'page': ln.page if ln else None,
                     'page_line': ln.number if ln else None, 'column': ln.column if ln else None}
    else:
        entry.old = _in_paragraphs({'path': str(old.path),
                                    'line': old.chars[io].line if 0 <= io < len(old.chars) else None}, old)
    return entry, mark


def _reflowed(comparison, old: Draft, new: Draft, placed: _Placement, changed_lines: set[int]) -> list:
    """Lines of the new PDF that hold no change but whose breaks moved.

    Against an old PDF this is exact: the line's first and last characters must start and
    end a line there too. Against a manuscript, the old breaks are not known without a
    second build; a line after a change in the same paragraph that made it longer or
    shorter has moved (WeasyPrint fills lines first-fit, so lines before a change stay).
    `changed_lines` (ids of pdfread lines) are those marked as changed."""
    lines = [ln for page in placed.pdf.pages for ln in page.body if id(ln) not in changed_lines]
    if not (old.chars and new.chars):
        return []
    if old.kind == 'pdf':
        to_old = cmp.link(new, old)
        return [ln for ln in lines if _moved(placed.line_chars.get(id(ln)), old, to_old)]
    shifts: dict[int, list[tuple[int, int]]] = {}
    for c in comparison.changes:
        if c.kind != 'format':
            j = min(c.new[0], len(new.chars) - 1)
            shifts.setdefault(new.chars[j].block, []).append(
                (c.new[0], (c.new[1] - c.new[0]) - (c.old[1] - c.old[0])))
    out = []
    for ln in lines:
        m = _first_manuscript_char(ln, placed)
        if m is not None and sum(d for j, d in shifts.get(new.chars[m].block, []) if j < m):
            out.append(ln)
    return out


def _moved(ks: list[int] | None, old: Draft, to_old: list[int | None]) -> bool:
    """Whether a line of the new PDF (its characters `ks`) started or ended elsewhere in
    the old PDF."""
    if not ks:
        return False
    a, b = to_old[ks[0]], to_old[ks[-1]]
    if a is None or b is None:
        return False
    ends = b + 1 >= len(old.chars) or old.chars[b + 1].wrap
    return not (old.chars[a].wrap and ends)


def _first_manuscript_char(ln, placed: _Placement) -> int | None:
    for k in placed.line_chars.get(id(ln), []):
        if placed.to_manuscript[k] is not None:
            return placed.to_manuscript[k]
    return None
