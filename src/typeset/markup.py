"""Markup: Markdown → HTML fragment, made CJK-aware.

Python-Markdown (and CSS white-space collapsing after it) turns a soft line break into a
space, which between two Han characters is a visible gap a Chinese reader sees as an
error; and manuscripts indent paragraphs with U+3000 on top of the style's indent.
Both are fixed on the element tree, so code blocks and raw HTML are left alone.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as etree

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from .chars import JOINS_ACROSS_SOFT_BREAK
from .numbering import HEADING_MAX_CHARS, RANK_CLASS, heading_level, numbering, run_in_heading

# East Asian wide characters (Han, kana, full-width forms, CJK punctuation): a line break
# between two of them is removed, as CSS Text 3's segment-break rules intend.
WIDE = JOINS_ACROSS_SOFT_BREAK
SOFT_BREAK_BETWEEN_WIDE = re.compile(rf'(?<=[{WIDE}])[ \t]*\n[ \t]*(?=[{WIDE}])')
LEADING_INDENT = re.compile(r'^[\s\u3000]+')
TRAILING_SPACE = re.compile(r'[ \t\u3000]+$')
SKIP = {'pre', 'code', 'script', 'style'}
CLAUSE_BREAK = re.compile(r'(?<=[，；：])')
ATTACHMENT_LABEL = re.compile(r'附件\s*\d*')
# Where an attachment written in the body begins, in the HTML fragment.
ATTACHMENT_START = re.compile(r'^<(?:p|h[1-6]) class="attachment-label">', re.M)

EXTENSIONS = ['extra', 'admonition', 'sane_lists']


class CJKTreeprocessor(Treeprocessor):
    def run(self, root):
        for el in root.iter():
            if el.tag in SKIP:
                continue
            if el.text:
                el.text = SOFT_BREAK_BETWEEN_WIDE.sub('', el.text)
            for child in el:
                if child.tail and el.tag not in SKIP:
                    child.tail = SOFT_BREAK_BETWEEN_WIDE.sub('', child.tail)
            # A break that straddles an inline element (`…文字**加粗**\n文字`) is in a tail
            # or text whose neighbour character lives in another node.
            self._join_across(el)
        for p in root.iter('p'):
            self._strip_indent(p)
        self._mark_addressee(root)
        self._mark_numbering(root)
        self._mark_attachments(root)
        for ol in root.iter('ol'):
            self._list_start(ol)
        for level in ('h2', 'h3', 'h4', 'h5', 'h6'):
            for heading in root.iter(level):
                self._clauses(heading)

    @staticmethod
    def _mark_addressee(root):
        """主送机关 (各省、自治区…：, 各位代表：) stands flush left under the title (GB/T
        9704 7.2.4), unlike a paragraph: a short line ending in a colon, before the first
        heading of the body."""
        for el in root:
            if el.tag in ('h2', 'h3', 'h4', 'h5', 'h6'):
                return
            if el.tag != 'p':
                continue
            text = ''.join(el.itertext()).strip()
            if text.endswith(('：', ':')) and len(text) <= 60 and not any(c in text for c in '。！？'):
                el.set('class', 'addressee')

    @staticmethod
    def _mark_numbering(root):
        """A 公文's heading levels are its numbering, not its Markdown level (GB/T 9704
        7.3.3): a heading or paragraph opening with 一、 gets the class of that level,
        whatever its `#` count; a numbered line standing alone becomes a heading; a
        numbered paragraph's run-in heading (（一）压实工作责任。…) gets a span of its own."""
        for el in list(root):
            text = ''.join(el.itertext()).strip()
            found = numbering(text)
            if found is None or el.tag not in ('p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'):
                continue
            rank = found[0]
            cls = RANK_CLASS[rank]
            if el.tag == 'p' and heading_level(text) is not None:
                el.tag = f'h{rank + 2}'
            end = run_in_heading(text) if el.tag == 'p' else None
            if end is None and (el.tag != 'p' or len(text) <= HEADING_MAX_CHARS):
                # a heading, or a short numbered item (（一）…条例》；): all in its level's face
                el.set('class', (el.get('class', '') + ' ' + cls).strip())
                continue
            lead = el.text or ''
            indent = len(lead) - len(lead.lstrip())
            if end is None or len(lead.strip()) < end:
                end = len(found[2])  # a long numbered paragraph: the numbering alone
            if len(lead.strip()) < end:
                continue
            span = etree.Element('span', {'class': f'run-in {cls}'})
            span.text = lead[indent:indent + end]
            span.tail = lead[indent + end:]
            el.text = lead[:indent]
            el.insert(0, span)

    @staticmethod
    def _mark_attachments(root):
        """An attachment written in the body opens with a line `附件` or `附件2` (GB/T 9704
        7.3.7) and its title on the next: both are marked, so that the assembly stage can set
        each attachment on pages of its own."""
        children = list(root)
        for k, el in enumerate(children):
            if el.tag not in ('p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6') or len(el):
                continue
            if ATTACHMENT_LABEL.fullmatch((el.text or '').strip()):
                el.set('class', 'attachment-label')
                if k + 1 < len(children) and children[k + 1].tag in ('p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6'):
                    children[k + 1].set('class', 'attachment-title')

    @staticmethod
    def _list_start(ol):
        # WeasyPrint's UA sheet resets the list-item counter to 0 and ignores `start`, so a
        # list that continues a numbering (6. 7. … after a paragraph) would restart at 1.
        start = ol.get('start')
        if start and start.lstrip('-').isdigit():
            ol.set('style', f'counter-reset: list-item {int(start) - 1}')

    @staticmethod
    def _clauses(heading):
        """A heading that needs two lines should break between its clauses
        (●提升履职能力水平，/在全面推进…), never leave a lone character on a line of its own:
        each clause becomes an unbreakable `span.clause` the style can set inline-block."""
        if len(heading) or not heading.text:
            return
        parts = [p for p in CLAUSE_BREAK.split(heading.text) if p]
        if len(parts) < 2:
            return
        heading.text = None
        for part in parts:
            span = etree.SubElement(heading, 'span', {'class': 'clause'})
            span.text = part

    @staticmethod
    def _join_across(el):
        prev_last = el.text[-1:] if el.text else ''
        for child in el:
            if child.tag in SKIP:
                prev_last = ''
                continue
            if child.text and prev_last and re.match(rf'[{WIDE}]', prev_last):
                child.text = re.sub(rf'^[ \t]*\n[ \t]*(?=[{WIDE}])', '', child.text)
            inner_last = _last_char(child) or prev_last
            if child.tail and inner_last and re.match(rf'[{WIDE}]', inner_last):
                child.tail = re.sub(rf'^[ \t]*\n[ \t]*(?=[{WIDE}])', '', child.tail)
            prev_last = child.tail[-1:] if child.tail else inner_last

    @staticmethod
    def _strip_indent(p):
        # The style indents paragraphs by two cells; full-width spaces typed for the
        # same purpose would double it. Trailing ones would push an empty cell onto a line.
        if p.text:
            p.text = LEADING_INDENT.sub('', p.text)
        last = p[-1] if len(p) else None
        if last is not None and last.tail:
            last.tail = TRAILING_SPACE.sub('', last.tail)
        elif last is None and p.text:
            p.text = TRAILING_SPACE.sub('', p.text)


def _last_char(el) -> str:
    last = ''
    if el.text:
        last = el.text[-1:]
    for child in el:
        last = _last_char(child) or last
        if child.tail:
            last = child.tail[-1:]
    return last


class CJKExtension(Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(CJKTreeprocessor(md), 'cjk', 5)


def to_html(body: str) -> str:
    """Markdown body → HTML fragment."""
    md = markdown.Markdown(extensions=EXTENSIONS + [CJKExtension()], output_format='html')
    return md.convert(body)


def split_attachments(html: str) -> tuple[str, list[str]]:
    """The body's own text, and the attachments written in it, each from its `附件N` on."""
    starts = [m.start() for m in ATTACHMENT_START.finditer(html)]
    if not starts:
        return html, []
    bounds = starts + [len(html)]
    return html[:starts[0]], [html[a:b] for a, b in zip(bounds, bounds[1:])]


def split_title(html: str) -> tuple[str | None, str]:
    """Take the first <h1> as the title when the front matter gives none."""
    m = re.search(r'<h1[^>]*>(.*?)</h1>\s*', html, re.S)
    if not m:
        return None, html
    return m.group(1), html[:m.start()] + html[m.end():]
