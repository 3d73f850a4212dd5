"""Proof copies: line numbers are check's numbers, the watermark is not text, the text
layer is the clean PDF's; --marks gives trim and bleed boxes; preview writes images."""
from __future__ import annotations

import shutil
import subprocess

import pdfplumber
import pytest

from conftest import ROOT
from typeset import pipeline
from typeset.checks import check
from typeset.checks.pdfread import MM
from typeset.proof import make_proof

FIXTURES = ROOT / 'tests' / 'fixtures' / 'check'


@pytest.fixture(scope='module')
def ragged(tmp_path_factory):
    tmp = tmp_path_factory.mktemp('proof')
    src = tmp / 'ragged.md'
    para = '各单位要充分认识做好安全生产工作的重要性，坚持安全第一、预防为主的方针，' * 4 + '切实落实。'
    src.write_text(f'# 标题\n\n{para}\n\n第二段正文。\n', encoding='utf-8')
    style = str(FIXTURES / 'ragged.css')
    result = check(src, tmp / 'ragged.pdf', style=style)
    proof = make_proof(result.pdf, src, style=style)
    return result, proof


def _chars(path):
    with pdfplumber.open(path) as pdf:
        return [(c['text'], round(c['x0'], 2), round(c['top'], 2)) for p in pdf.pages for c in p.chars]


def test_proof_numbers_are_checks_numbers(ragged):
    result, proof = ragged
    drawn = {(page, n): base for page, n, base in proof.labels}
    flagged = [f for f in result.findings if f.rule == 'line-not-flush']
    assert flagged
    with pdfplumber.open(result.pdf) as pdf:
        page = pdf.pages[0]
        for f in flagged:
            base = drawn[(f.page, f.page_line)]
            # the number is printed on the baseline of the line the finding names
            on_line = [c for c in page.chars if abs((page.height - c['matrix'][5]) - base) < 1]
            assert on_line
    # every body line is numbered 1..n on its page
    assert sorted(n for p, n, _ in proof.labels if p == 1) == list(range(1, len(proof.labels) + 1))


def test_proof_text_layer_is_the_clean_pdfs(ragged):
    result, proof = ragged
    assert _chars(proof.path) == _chars(result.pdf)
    assert proof.path.name == 'ragged.proof.pdf'


@pytest.mark.skipif(not shutil.which('pdftotext'), reason='poppler-utils not installed')
def test_watermark_and_numbers_are_not_extractable(ragged):
    result, proof = ragged
    text = subprocess.run(['pdftotext', str(proof.path), '-'], capture_output=True, text=True).stdout
    clean = subprocess.run(['pdftotext', str(result.pdf), '-'], capture_output=True, text=True).stdout
    assert '校样' not in text
    assert text == clean


def test_marks_add_bleed_and_trim(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('正文一段。\n', encoding='utf-8')
    built = pipeline.build(src, tmp_path / 'doc.pdf')
    proof = make_proof(built.output, src, marks=True)
    from pypdf import PdfReader
    page = PdfReader(str(proof.path)).pages[0]
    trim, bleed, media = page.trimbox, page.bleedbox, page.mediabox
    assert round(float(trim.width) / MM) == 210 and round(float(trim.height) / MM) == 297
    assert abs(float(bleed.width) - float(trim.width) - 6 * MM) < 0.01
    assert float(media.width) > float(bleed.width)
    assert _chars(proof.path)[0][0] == _chars(built.output)[0][0]


@pytest.mark.skipif(not shutil.which('pdftoppm'), reason='poppler-utils not installed')
def test_preview_pages_and_contact_sheet(tmp_path):
    from PIL import Image
    from typeset.preview import preview
    src = tmp_path / 'doc.md'
    src.write_text('正文一段。\n\n<div style="break-before: page"></div>\n\n第二页。\n', encoding='utf-8')
    result = preview(src, tmp_path / 'preview', dpi=20)
    assert len(result.pages) >= 1 and all(p.exists() for p in result.pages)
    with Image.open(result.pages[0]) as im:
        assert abs(im.width - round(210 / 25.4 * 20)) <= 1
    assert result.sheet.exists()


def test_proof_is_byte_reproducible_with_source_date_epoch(tmp_path, monkeypatch):
    """The header's date came from the clock: two proof copies a minute apart differed."""
    import datetime
    import typeset.proof as proof
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1700000000')
    src = tmp_path / 'doc.md'
    src.write_text('# 标题\n\n正文。\n', encoding='utf-8')
    pdf = pipeline.build(src, tmp_path / 'doc.pdf').output
    first = make_proof(pdf, src, output=tmp_path / "a.pdf").path.read_bytes()

    class Later(datetime.datetime):  # the clock has moved on; the epoch has not
        @classmethod
        def now(cls, tz=None):
            return datetime.datetime(2031, 5, 6, 7, 8)
    monkeypatch.setattr(proof.datetime, 'datetime', Later)
    second = make_proof(pdf, src, output=tmp_path / "b.pdf").path.read_bytes()
    assert first == second
