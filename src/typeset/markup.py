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

from .chars import (HEADING_BULLETS, JOINS_ACROSS_SOFT_BREAK, LINE_END_FUNCTION_WORDS,
                    LINE_END_MARKS, LINE_START_PARTICLES, WORD_JOINER, is_latin_alnum)
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
HEADINGS = ('h1', 'h2', 'h3', 'h4', 'h5', 'h6')
# A heading shorter than this fits every style's measure (the newspaper's narrowest,
# 14 cells less a 2-cell indent): no need to segment it.
WRAPPING_HEADING = 12

# Python-Markdown's 'extra' (the seven of markdown/extensions/extra.py, in its order),
# 'admonition' and 'sane_lists', named by module and class. By name, each is looked up
# among the entry points of every installed package (importlib.metadata reads them all
# on the first build), and a package registering one of these names would stand in.
EXTENSIONS = [('fenced_code', 'FencedCodeExtension'), ('footnotes', 'FootnoteExtension'),
              ('attr_list', 'AttrListExtension'), ('def_list', 'DefListExtension'),
              ('tables', 'TableExtension'), ('abbr', 'AbbrExtension'),
              ('md_in_html', 'MarkdownInHtmlExtension'),
              ('admonition', 'AdmonitionExtension'), ('sane_lists', 'SaneListExtension')]


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
        self._figures(root)
        self._tables(root)
        join_words([h for level in HEADINGS for h in root.iter(level)])

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
    def _figures(root):
        """A picture with a title standing alone in its paragraph (`![图](a.jpg "图注")`)
        is a figure, the title its caption (图片说明), which the page shows and `check`
        reads like any text."""
        for parent in root.iter():
            for k, p in enumerate(list(parent)):
                if p.tag != 'p' or len(p) != 1 or (p.text or '').strip():
                    continue
                img = p[0]
                title = (img.get('title') or '').strip()
                if img.tag != 'img' or not title or (img.tail or '').strip():
                    continue
                figure = etree.Element('figure')
                figure.tail = p.tail
                del img.attrib['title']
                img.tail = None
                figure.append(img)
                caption = etree.SubElement(figure, 'figcaption')
                alt = (img.get('alt') or '').strip()
                if alt and alt != title:
                    # the alternative text is part of the manuscript: printed as the
                    # caption's lead (图注 then 说明), so no character of it is lost
                    label = etree.SubElement(caption, 'span', {'class': 'figure-label'})
                    label.text = alt
                    label.tail = '\u3000' + title
                    # the figure's caption now says it: told once (and not read twice
                    # by check, which expects an alt where the picture is missing)
                    img.set('alt', '')
                else:
                    caption.text = title
                parent[k] = figure

    @staticmethod
    def _tables(root):
        """Each table in a block of its own (`div.table`): a style can place the table as
        one piece (a newspaper sets it across the columns, column-span, which WeasyPrint
        does not carry from a table to its wrapper box)."""
        for parent in list(root.iter()):
            for k, table in enumerate(list(parent)):
                if table.tag != 'table' or parent.get('class') == 'table':
                    continue
                block = etree.Element('div', {'class': 'table'})
                block.tail, table.tail = table.tail, None
                block.append(table)
                parent[k] = block

    @staticmethod
    def _list_start(ol):
        # WeasyPrint's UA sheet resets the list-item counter to 0 and ignores `start`, so a
        # list that continues a numbering (6. 7. … after a paragraph) would restart at 1.
        start = ol.get('start')
        if start and start.lstrip('-').isdigit():
            ol.set('style', f'counter-reset: list-item {int(start) - 1}')

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


# What join_words needs from every style (the pipeline adds it before the style's own
# sheet): the PDF outline entry of a heading with word joiners is its text without them.
CSS = '[data-bookmark] { bookmark-label: attr(data-bookmark); }'


def join_words(headings) -> None:
    """A heading that wraps breaks between words, like a title (GB/T 9704 词意完整): a
    word joiner (U+2060) goes wherever a break would split a word, leave a function word
    (和 的 关于) or 、 at a line end, 等 at a line start, the bullet ● alone, or a last line
    of one or two characters. The line breaker then breaks only between words, at the
    measure the style gives; the joiner has no width and no glyph in the PDF."""
    plain = [h for h in headings if not len(h) and h.text and len(h.text.strip()) >= WRAPPING_HEADING]
    if not plain:
        return
    from .segment import segment_all
    for heading, words in zip(plain, segment_all([h.text for h in plain])):
        # the PDF outline takes a heading's text as it is: give it the text without joiners
        heading.set('data-bookmark', heading.text.strip())
        heading.text = _joined(words)


def _joined(words: list[str]) -> str:
    keep = [False] * len(words)   # keep[k]: no break between words[k] and words[k + 1]
    for k in range(len(words) - 1):
        word, nxt = words[k], words[k + 1]
        keep[k] = (word in LINE_END_FUNCTION_WORDS or word[-1] in LINE_END_MARKS
                   or word in HEADING_BULLETS or nxt in LINE_START_PARTICLES)
    # the last line holds at least the last word and three characters
    tail = len(words) - 1
    while tail > 0 and sum(len(w) for w in words[tail:] if w.strip()) < 3:
        tail -= 1
        keep[tail] = True
    out = []
    for k, word in enumerate(words):
        out.append(_inside_word(word))
        if k < len(words) - 1 and keep[k] and word.strip() and words[k + 1].strip():
            out.append(WORD_JOINER)
    return ''.join(out)


def _inside_word(word: str) -> str:
    out = [word[0]] if word else []
    for a, b in zip(word, word[1:]):
        if not (is_latin_alnum(a) and is_latin_alnum(b)):   # Latin words and numbers never break
            out.append(WORD_JOINER)
        out.append(b)
    return ''.join(out)


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


def extensions() -> list[Extension]:
    import importlib
    return [getattr(importlib.import_module(f'markdown.extensions.{module}'), name)()
            for module, name in EXTENSIONS] + [CJKExtension()]


def to_html(body: str) -> str:
    """Markdown body → HTML fragment."""
    md = markdown.Markdown(extensions=extensions(), output_format='html')
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
    # the title's lines are chosen in assembly, from its words: no joiners there
    return m.group(1).replace(WORD_JOINER, ''), html[:m.start()] + html[m.end():]
