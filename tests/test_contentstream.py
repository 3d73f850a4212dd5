"""The content-stream reader gives, glyph for glyph, the records pdfminer gives.

`typeset check` reads PDFs with `checks.contentstream`; pdfminer's interpreter is the
reference it must match exactly (same floats), so findings do not change with the reader.
"""
from __future__ import annotations

import io

import pydyf
import pytest
from pdfminer.pdfdocument import PDFDocument
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser

import typeset
from typeset.checks import contentstream

from conftest import ROOT


def _pdfminer_pages(path):
    with open(path, 'rb') as f:
        reader = contentstream._Pdfminer(PDFResourceManager(caching=True))
        return [reader.read(page) for page in PDFPage.create_pages(PDFDocument(PDFParser(f)))]


def _fallbacks(monkeypatch) -> list:
    used = []
    read = contentstream._Pdfminer.read

    def counted(self, page):
        used.append(page)
        return read(self, page)
    monkeypatch.setattr(contentstream._Pdfminer, 'read', counted)
    return used


def _same_as_pdfminer(path, monkeypatch) -> list:
    used = _fallbacks(monkeypatch)
    ours = [p.glyphs for p in contentstream.pages_of(path)]
    used = list(used)   # before pdfminer reads it for comparison
    theirs = _pdfminer_pages(path)
    assert len(ours) == len(theirs)
    for number, (a, b) in enumerate(zip(ours, theirs), 1):
        assert a == b, f'page {number}'
    assert sum(len(p) for p in ours) > 0   # (a page of text, or two)
    return used


@pytest.mark.parametrize('name, style', [('report.md', None), ('report-newspaper.md', 'newspaper'),
                                         ('tongzhi.md', None)])
def test_documents_read_as_pdfminer_reads_them(tmp_path, monkeypatch, name, style):
    out = tmp_path / 'doc.pdf'
    typeset.build(ROOT / 'source' / name, out, style=style)
    used = _same_as_pdfminer(out, monkeypatch)
    assert not used, 'WeasyPrint output is read without pdfminer'


def _pdf(tmp_path, content: bytes):
    """One page, Helvetica (a simple font: word spacing applies) as /F1."""
    doc = pydyf.PDF()
    font = pydyf.Dictionary({'Type': '/Font', 'Subtype': '/Type1', 'BaseFont': '/Helvetica'})
    doc.add_object(font)
    stream = pydyf.Stream([content])
    doc.add_object(stream)
    page = pydyf.Dictionary({'Type': '/Page', 'Parent': doc.pages.reference,
                             'MediaBox': pydyf.Array([0, 0, 400, 300]),
                             'Resources': pydyf.Dictionary({'Font': pydyf.Dictionary({'F1': font.reference})}),
                             'Contents': stream.reference})
    doc.add_page(page)
    buffer = io.BytesIO()
    doc.write(buffer)
    path = tmp_path / 'hand.pdf'
    path.write_bytes(buffer.getvalue())
    return path


def test_every_text_operator_as_pdfminer(tmp_path, monkeypatch):
    # spacing, scaling, rise, leading, the quote operators, q/Q around a cm, kerning in TJ,
    # text turned a quarter and text upside down
    path = _pdf(tmp_path, b'''q 1 0 0 1 10 20 cm BT /F1 12 Tf 2 Tc 3 Tw 90 Tz 14 TL
        1 0 0 1 72 200 Tm <48656c6c6f20776f726c64> Tj T* [<41>-250<42> 120.5 <43>] TJ
        10 -20 Td 1.5 Ts <4445> Tj 0 -16 TD <4647> ' 4 1 <2048 49> " ET Q
        BT 0.5 0 0 0.5 30 40 Tm /F1 20 Tf [<4a4b>] TJ ET
        BT 0 1 -1 0 200 50 Tm /F1 10 Tf <4c4d> Tj ET BT 1 0 0 -1 60 250 Tm /F1 9 Tf <4e4f> Tj ET''')
    used = _same_as_pdfminer(path, monkeypatch)
    assert not used


def test_what_it_does_not_read_goes_to_pdfminer(tmp_path, monkeypatch):
    # a literal string and a marked-content dictionary: pdfminer reads this page
    path = _pdf(tmp_path, b'/Span <</ActualText (x)>> BDC BT /F1 12 Tf 72 200 Td (Hi) Tj ET EMC')
    used = _same_as_pdfminer(path, monkeypatch)
    assert len(used) == 1


def test_two_processes_read_what_one_reads(tmp_path, monkeypatch):
    out = tmp_path / 'doc.pdf'
    typeset.build(ROOT / 'source' / 'report.md', out)
    monkeypatch.setattr(contentstream, 'PARALLEL_PAGES', 10**9)
    one = list(contentstream.pages_of(out))
    monkeypatch.setattr(contentstream, 'PARALLEL_PAGES', 2)
    monkeypatch.setattr(contentstream, '_spare_core', lambda: True)
    forked = []
    monkeypatch.setattr(contentstream._Child, 'pages',
                        lambda self, pages=contentstream._Child.pages: forked.append(1) or pages(self))
    two = list(contentstream.pages_of(out))
    assert forked and len(one) == len(two) > 2
    assert one == two


def test_build_does_not_load_the_verification_libraries(tmp_path):
    # `typeset build` pays nothing for `check`: pdfminer and pdfplumber are imported by
    # the checks only
    import subprocess
    import sys
    # -X importtime names every module as it is imported (the CLI leaves with os._exit)
    out = subprocess.run([sys.executable, '-X', 'importtime', '-c', 'from typeset.cli import main; main()',
                          'build', str(ROOT / 'source' / 'order.md'), '-o', str(tmp_path / 'o.pdf')],
                         capture_output=True, text=True, timeout=120)
    assert (tmp_path / 'o.pdf').exists(), out.stderr[-2000:]
    imported = {line.rsplit('|', 1)[-1].strip() for line in out.stderr.splitlines() if '|' in line}
    assert 'weasyprint' in imported
    assert not {m for m in imported if m.split('.')[0] in ('pdfminer', 'pdfplumber')}
