"""Findings for people (grouped by file and page, counted, coloured on a terminal) and
for machines (JSON)."""
from __future__ import annotations

import json
from collections import Counter, defaultdict

import click

COLOURS = {'error': 'red', 'warning': 'yellow', 'info': 'blue'}


def human(result, colour: bool) -> str:
    def c(text, fg=None, bold=False, dim=False):
        return click.style(text, fg=fg, bold=bold, dim=dim) if colour else text

    out = []
    source = [f for f in result.findings if f.line]
    pdf = [f for f in result.findings if not f.line and f.page]
    other = [f for f in result.findings if not f.line and not f.page]
    if source:
        by_file = defaultdict(list)
        for f in source:
            by_file[f.path].append(f)
        for path, fs in by_file.items():
            out.append(c(path, bold=True))
            for f in sorted(fs, key=lambda f: (f.line, f.col or 0)):
                where = f'第{f.paragraph}段' if f.paragraph else f'{f.line}:{f.col}' if f.col else f'{f.line}'
                pdf_at = f'  ({f.where().split(" ", 1)[1]})' if f.page else ''
                out.append(f'  {where:>8}  {c(f.severity, COLOURS.get(f.severity))}  {f.message}'
                           f'{c(pdf_at, dim=True)}  {c(f.rule, dim=True)}')
    if pdf:
        out.append(c(f'{result.pdf}', bold=True) if result.pdf else c('PDF', bold=True))
        by_page = defaultdict(list)
        for f in pdf:
            by_page[f.page].append(f)
        for page in sorted(by_page):
            out.append(c(f'  第{page}页', bold=True))
            for f in sorted(by_page[page], key=lambda f: (f.column or 0, f.page_line or 0)):
                line = (f'第{f.column}栏 ' if f.column else '') + (f'第{f.page_line}行' if f.page_line else '')
                out.append(f'    {line:>10}  {c(f.severity, COLOURS.get(f.severity))}  {f.message}  '
                           f'{c(f.rule, dim=True)}')
    for f in other:
        out.append(f'  {c(f.severity, COLOURS.get(f.severity))}  {f.message}  {c(f.rule, dim=True)}')
    out.append(summary(result, c))
    return '\n'.join(out)


def summary(result, c=lambda t, **k: t) -> str:
    counts = Counter(f.severity for f in result.findings)
    parts = []
    for sev in ('error', 'warning', 'info'):
        n = counts.get(sev, 0)
        if n:
            parts.append(c(f'{n} {sev}{"s" if n != 1 else ""}', COLOURS[sev], bold=True))
    rules = Counter(f.rule for f in result.findings)
    what = ', '.join(parts) if parts else c('clean', 'green', bold=True)
    by_rule = (' (' + ', '.join(f'{r} {n}' for r, n in rules.most_common()) + ')') if rules else ''
    pages = f'{result.pages} pages, ' if result.pages else ''
    return f'{result.source}: {pages}{what}{by_rule}'


def as_json(result) -> str:
    counts = Counter(f.severity for f in result.findings)
    return json.dumps({
        'source': str(result.source),
        'pdf': str(result.pdf) if result.pdf else None,
        'pages': result.pages,
        'summary': {'errors': counts.get('error', 0), 'warnings': counts.get('warning', 0),
                    'info': counts.get('info', 0), 'by_rule': dict(Counter(f.rule for f in result.findings))},
        'seconds': {k: round(v, 3) for k, v in result.seconds.items()},
        'findings': [dict(f.to_dict(), where=f.where()) for f in result.findings],
    }, ensure_ascii=False, indent=2)
