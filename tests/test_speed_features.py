"""watch, batch builds, the speed patches and the warm renderer (issue 13).

Every speed change must leave the PDF as it was: these tests build with and without the
patches, cold and warm, in two folders, and compare the bytes. Timings are not tested
here; they are in benchmarks/bench_speed.py.
"""
from __future__ import annotations

import hashlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import typeset
from typeset import batch, warm
from typeset.cjk import UnsupportedWeasyPrint, patches

from conftest import CORPUS, ROOT, pdf_text, without_space

TYPESET = [sys.executable, '-c', 'from typeset.cli import main; main()']
EPOCH = {'SOURCE_DATE_EPOCH': '1700000000'}
SHORT = """---
title: 关于加快推进试点工作的通知
---

各有关单位：

为贯彻落实有关部署，现就试点工作通知如下。

## 一、总体要求

坚持问题导向，突出重点，稳步推进各项工作落实。
"""


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def epoch(monkeypatch):
    monkeypatch.setenv('SOURCE_DATE_EPOCH', EPOCH['SOURCE_DATE_EPOCH'])


# -- the patches ----------------------------------------------------------------------

def test_every_patch_target_is_in_the_pinned_weasyprint():
    for patch in patches.PATCHES:
        assert callable(patch.original()) or isinstance(patch.original(), property), patch


def test_a_patch_whose_target_is_gone_fails_loudly():
    gone = patches.Patch('weasyprint.layout.page', 'no_such_function', lambda f: f, 'test')
    with pytest.raises(UnsupportedWeasyPrint, match='no_such_function'):
        gone.original()


@pytest.mark.parametrize('version', ['69.2', '71.0', '52.5', '100'])
def test_weasyprint_outside_the_pinned_range_is_refused(version):
    with pytest.raises(UnsupportedWeasyPrint, match=version):
        patches.check_version(version)


def test_weasyprint_inside_the_pinned_range_is_accepted():
    patches.check_version('70.0')
    patches.check_version('70.2')


def test_patches_install_and_uninstall():
    from weasyprint.layout import inline, page
    from weasyprint.text.fonts import FontConfiguration
    typeset.cjk.install()
    assert patches.installed()
    assert page.set_page_type_computed_styles.__wrapped__
    assert inline.shrink_to_fit.__wrapped__
    try:
        patches.uninstall()
        assert not patches.installed()
        assert not hasattr(page.set_page_type_computed_styles, '__wrapped__')
        assert not hasattr(inline.shrink_to_fit, '__wrapped__')
        assert not hasattr(FontConfiguration.add_font_face, '__wrapped__')
    finally:
        patches.install()
    assert page.set_page_type_computed_styles.__wrapped__


def test_only_the_projects_own_fonts_are_given_to_fontconfig_in_place(tmp_path):
    # fontconfig opens a font given in place again by its name, after the sandbox checked
    # it: a font beside a manuscript could be swapped in between, so it is read once.
    from typeset.sandbox import Sandbox, Unreadable
    font = (ROOT / 'fonts' / 'FandolFang-Digits.otf').resolve()
    copy = tmp_path / font.name
    copy.write_bytes(font.read_bytes())
    fetcher = Sandbox(roots=[tmp_path.resolve(), font.parent]).fetcher()
    assert fetcher.local_path(font.as_uri()) == font
    with pytest.raises(Unreadable):
        fetcher.local_path(copy.as_uri())


def test_image_names_are_a_row_of_the_table_and_come_back_for_every_build():
    # Not a speed patch: with the others taken out (as the same-bytes tests do), a build
    # still names its images relative to its folders.
    from weasyprint import images
    from weasyprint.layout import inline

    from typeset.cjk import image_names
    typeset.cjk.install()
    assert patches.IMAGE_NAMES in patches.PATCHES and images.md5 is not hashlib.md5
    try:
        patches.uninstall()
        assert images.md5 is hashlib.md5
        with image_names.relative_to([ROOT]):
            assert images.md5.__wrapped__ is hashlib.md5
        assert not hasattr(inline.shrink_to_fit, '__wrapped__')  # the others stay out
    finally:
        patches.install()


def test_weasyprint_is_imported_without_searching_for_libraries():
    # ctypes.util.find_library runs ldconfig, gcc and ld for each miss (22 lookups).
    code = ('import ctypes.util, sys\n'
            'calls = []\n'
            'real = ctypes.util.find_library\n'
            'ctypes.util.find_library = lambda name: calls.append(name) or real(name)\n'
            'import typeset.cjk\n'
            'from weasyprint.text.ffi import harfbuzz_subset, pango\n'
            'print(len(calls), bool(harfbuzz_subset), bool(pango))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ['0', 'True', 'True']


def test_build_does_not_load_the_verification_libraries(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text(SHORT, encoding='utf-8')
    code = (f'import sys, typeset; typeset.build({str(src)!r}, {str(tmp_path / "doc.pdf")!r}); '
            'print(sorted(m for m in ("pdfplumber", "pdfminer", "pypdf", "typeset.checks") if m in sys.modules))')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[]'


# -- same bytes -----------------------------------------------------------------------

def test_pdf_is_the_same_with_and_without_the_speed_patches(tmp_path, epoch):
    # The seed: 7 pages (page styles), inline-block heading clauses (shrink-to-fit), all
    # fonts of the manifest (fonts in place, subsets, deflated streams).
    source = ROOT / 'source' / 'report.md'
    typeset.build(source, tmp_path / 'patched.pdf')
    typeset.build(source, tmp_path / 'patched-warm.pdf')
    patches.uninstall(lambda patch: patch.same_bytes)
    try:
        result = typeset.build(source, tmp_path / 'plain.pdf', renderer=warm.Renderer())
    finally:
        patches.install()
    assert result.pages == 7
    assert digest(tmp_path / 'patched.pdf') == digest(tmp_path / 'plain.pdf')
    assert digest(tmp_path / 'patched-warm.pdf') == digest(tmp_path / 'plain.pdf')


def test_fonts_embedded_bare_draw_the_same_pages_in_fewer_bytes(tmp_path, epoch):
    # Title (Noto Serif CJK SC Bold), headings (FandolHei), body (FandolFang), page
    # number (FandolSong): each font embedded as the bare CFF of its glyphs.
    import pdfplumber
    (tmp_path / 'doc.md').write_text(SHORT, encoding='utf-8')
    typeset.build(tmp_path / 'doc.md', tmp_path / 'bare.pdf')
    patches.uninstall(lambda patch: not patch.same_bytes)
    try:
        typeset.build(tmp_path / 'doc.md', tmp_path / 'wrapped.pdf')
    finally:
        patches.install()
    bare, wrapped = (tmp_path / 'bare.pdf').read_bytes(), (tmp_path / 'wrapped.pdf').read_bytes()
    assert bare.count(b'/CIDFontType0C') == 4 and b'/OpenType' not in bare
    assert wrapped.count(b'/OpenType') == 4
    assert len(bare) < 0.8 * len(wrapped)

    def glyphs(path):
        with pdfplumber.open(path) as pdf:
            return [(c['text'], round(c['x0'], 3), round(c['top'], 3), c['fontname'], c['size'])
                    for page in pdf.pages for c in page.chars]
    assert glyphs(tmp_path / 'bare.pdf') == glyphs(tmp_path / 'wrapped.pdf')
    for name in ('bare', 'wrapped'):
        subprocess.run(['pdftoppm', '-r', '300', '-gray', str(tmp_path / f'{name}.pdf'),
                        str(tmp_path / name)], check=True, timeout=120)
    pages = sorted(tmp_path.glob('bare-*.pgm'))
    assert pages
    for page in pages:
        assert page.read_bytes() == (tmp_path / page.name.replace('bare', 'wrapped')).read_bytes(), page.name


# -- memory: what a long document keeps (issue 13) -------------------------------------

def test_pages_written_once_drop_their_boxes_and_keep_their_bytes(tmp_path, epoch):
    # A page drawn inside painting_once loses its boxes and keeps its deflated operators;
    # outside it (WeasyPrint's own use, checks' page probe) a document can be written
    # again, with the same bytes.
    import weasyprint
    from typeset import render
    typeset.cjk.install()
    render.isolate_fonts()
    fonts = weasyprint.text.fonts.FontConfiguration()
    font = (ROOT / 'fonts' / 'FandolFang-Regular.otf').as_uri()
    css = weasyprint.CSS(string=f'@font-face {{ font-family: F; src: url({font}) }} '
                                '@page { size: A6 } p { font-family: F; break-after: page }',
                         font_config=fonts)
    document = weasyprint.HTML(string='<p>一</p><p>二</p><p>三</p>').render(
        stylesheets=[css], font_config=fonts)
    first = document.write_pdf()
    assert document.write_pdf() == first
    with patches.painting_once():
        once = document.write_pdf()
    assert once == first
    assert [page._page_box for page in document.pages] == [None, None, None]


@pytest.mark.parametrize('source, style', [(ROOT / 'source' / 'report.md', None),
                                           (CORPUS / '03-rural-revitalization-opinions-2018.md',
                                            'newspaper')])
def test_splitter_records_released_page_by_page_leave_the_pdf_as_it_was(tmp_path, epoch,
                                                                        monkeypatch, source, style):
    # The seed (公文 grid, page fill moving lines between pages) and a newspaper of three
    # pages (columns): the records of paragraphs on finished pages are released, and the
    # PDF is the one built keeping them all.
    from typeset.cjk import breaker, linebreak
    released = []
    release = breaker.Metrics.release
    monkeypatch.setattr(breaker.Metrics, 'release', lambda self: released.append(release(self)))
    typeset.build(source, tmp_path / 'released.pdf', style=style)
    assert len(released) > 20
    monkeypatch.setattr(linebreak, 'forget_finished', lambda context, page: None)
    typeset.build(source, tmp_path / 'kept.pdf', style=style)
    assert digest(tmp_path / 'released.pdf') == digest(tmp_path / 'kept.pdf')


def test_pdf_is_the_same_cold_warm_and_in_another_folder(tmp_path, epoch):
    for name in ('a', 'b'):
        (tmp_path / name / 'source').mkdir(parents=True)
        shutil.copy(ROOT / 'source' / 'report.md', tmp_path / name / 'source' / 'report.md')
    cold = subprocess.run(TYPESET + ['build', 'source/report.md'], cwd=tmp_path / 'a',
                          capture_output=True, text=True, timeout=300, env={**os.environ, **EPOCH})
    assert cold.returncode == 0, cold.stderr
    typeset.build(ROOT / 'source' / 'report.md', tmp_path / 'first.pdf')
    typeset.build(tmp_path / 'b' / 'source' / 'report.md')  # warm: fonts, styles, subsets kept
    assert digest(tmp_path / 'a' / 'output' / 'report.pdf') == digest(tmp_path / 'b' / 'output' / 'report.pdf')


def test_fonts_a_document_brings_do_not_outlive_its_build(tmp_path, epoch):
    renderer = warm.Renderer()
    shutil.copy(ROOT / 'fonts' / 'FandolSong-Bold.otf', tmp_path / 'own.otf')
    (tmp_path / 'own.md').write_text(
        '<style>@font-face { font-family: Own; src: url(own.otf); }</style>\n\n正文。\n', encoding='utf-8')
    typeset.build(tmp_path / 'own.md', tmp_path / 'own.pdf', renderer=renderer)
    assert renderer.font_config is None  # dropped with the font the document brought
    (tmp_path / 'plain.md').write_text(SHORT, encoding='utf-8')
    typeset.build(tmp_path / 'plain.md', tmp_path / 'plain.pdf', renderer=renderer)
    assert renderer.font_config is not None  # kept: only the project's fonts


# -- batch ----------------------------------------------------------------------------

def test_batch_builds_each_manuscript_and_exits_with_the_worst_code(tmp_path):
    source = tmp_path / 'source'
    source.mkdir()
    (source / 'one.md').write_text(SHORT, encoding='utf-8')
    (source / 'two.txt').write_text('关于开展检查的通知\n\n各单位：\n\n请按要求开展检查。\n', encoding='utf-8')
    (source / 'broken.md').write_text('---\ntitle: [\n---\n正文。\n', encoding='utf-8')
    done = subprocess.run(TYPESET + ['build', 'source/'], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **EPOCH})
    assert done.returncode == 2, done.stdout + done.stderr
    assert 'broken.md:2' in done.stderr
    assert (tmp_path / 'output' / 'one.pdf').is_file()
    assert (tmp_path / 'output' / 'two.pdf').is_file()
    assert 'output/one.pdf: 1 pages' in done.stdout
    assert '3 manuscripts, 2 clean, 1 with errors' in done.stderr
    # Each PDF as a single build makes it.
    single = subprocess.run(TYPESET + ['build', 'source/one.md', '-o', 'single.pdf'], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300, env={**os.environ, **EPOCH})
    assert single.returncode == 0, single.stderr
    assert digest(tmp_path / 'single.pdf') == digest(tmp_path / 'output' / 'one.pdf')


def test_batch_of_clean_manuscripts_exits_zero(tmp_path, epoch):
    for name in ('a.md', 'b.md'):
        (tmp_path / name).write_text(SHORT, encoding='utf-8')
    outcomes = batch.run([tmp_path / 'a.md', tmp_path / 'b.md'], jobs=2)
    assert [o.exit_code for o in outcomes] == [0, 0]
    assert batch.worst(outcomes) == 0
    assert [o.result.output.name for o in outcomes] == ['a.pdf', 'b.pdf']


def test_batch_refuses_one_output_for_many(tmp_path):
    (tmp_path / 'a.md').write_text(SHORT, encoding='utf-8')
    done = subprocess.run(TYPESET + ['build', 'a.md', 'a.md', '-o', 'x.pdf'], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert '-o names one PDF' in done.stderr


# -- watch ----------------------------------------------------------------------------

class Watch:
    """`typeset watch` in a child process, its output lines read as they come."""

    def __init__(self, folder: Path, *args, env=None):
        self.proc = subprocess.Popen(TYPESET + ['watch', *args], cwd=folder, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env={**os.environ, **EPOCH, **(env or {})})
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line.rstrip('\n'))

    def wait_for(self, text: str, timeout: float = 120) -> list[str]:
        seen, end = [], time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                line = self.lines.get(timeout=max(0.1, end - time.monotonic()))
            except queue.Empty:
                break
            seen.append(line)
            if text in line:
                return seen
        raise AssertionError(f'no {text!r} within {timeout} s; got {seen}')

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()


@pytest.fixture
def manuscript(tmp_path) -> Path:
    (tmp_path / 'source').mkdir()
    path = tmp_path / 'source' / 'notice.md'
    path.write_text(SHORT, encoding='utf-8')
    return path


def test_watch_rebuilds_after_an_edit(manuscript):
    watch = Watch(manuscript.parent.parent, 'source/notice.md')
    try:
        watch.wait_for('output/notice.pdf: 1 pages')
        pdf = manuscript.parent.parent / 'output' / 'notice.pdf'
        assert '稳步推进' in without_space(pdf_text(pdf))
        manuscript.write_text(SHORT.replace('稳步推进', '扎实推进'), encoding='utf-8')
        watch.wait_for('[notice.md] output/notice.pdf: 1 pages')
        assert '扎实推进' in without_space(pdf_text(pdf))
    finally:
        code = watch.stop()
    assert code == 0
    assert 'stopped' in watch.wait_for('stopped', timeout=10)[-1]


def test_failed_rebuild_keeps_the_last_good_pdf(manuscript):
    watch = Watch(manuscript.parent.parent, 'source/notice.md')
    pdf = manuscript.parent.parent / 'output' / 'notice.pdf'
    try:
        watch.wait_for('output/notice.pdf: 1 pages')
        good = pdf.read_bytes()
        manuscript.write_text('---\ntitle: [\n---\n' + SHORT, encoding='utf-8')
        lines = watch.wait_for('the last good PDF is unchanged')
        assert 'notice.md:2' in lines[-1]
        assert pdf.read_bytes() == good
        manuscript.write_text(SHORT.replace('稳步推进', '扎实推进'), encoding='utf-8')
        watch.wait_for('[notice.md] output/notice.pdf: 1 pages')
        assert '扎实推进' in without_space(pdf_text(pdf))
    finally:
        assert watch.stop() == 0


def test_watch_ignores_its_own_output(manuscript):
    # The output lands in output/ beside source/; a manuscript whose folder holds its
    # output (-o beside it) must not rebuild itself for ever.
    watch = Watch(manuscript.parent, 'notice.md', '-o', 'notice.pdf')
    try:
        watch.wait_for('notice.pdf: 1 pages')
        time.sleep(1.5)
        assert watch.lines.empty()
    finally:
        assert watch.stop() == 0


def test_watch_in_a_shared_folder_watches_only_the_manuscript(tmp_path, monkeypatch):
    """A manuscript lying in ~ or /tmp made the whole folder watched, recursively."""
    from typeset.watcher import watched_folders
    monkeypatch.setenv('TMPDIR', str(tmp_path))
    src = tmp_path / 'notice.md'
    src.write_text(SHORT, encoding='utf-8')
    watched = watched_folders(src, None)
    assert src.resolve() in watched and tmp_path.resolve() not in watched
    assert not any(tmp_path.resolve() in w.parents for w in watched if w != src.resolve())

    watch = Watch(tmp_path, 'notice.md', '-o', 'notice.pdf', env={'TMPDIR': str(tmp_path)})
    try:
        watch.wait_for('notice.pdf: 1 pages')
        (tmp_path / 'elsewhere').mkdir()
        (tmp_path / 'elsewhere' / 'note.txt').write_text('x', encoding='utf-8')
        time.sleep(1.5)
        assert watch.lines.empty()  # nothing beside the manuscript is the build's business
        for word in ('扎实推进', '全面推进'):  # saved by rename, as editors do: seen each time
            (tmp_path / '.notice.tmp').write_text(SHORT.replace('稳步推进', word), encoding='utf-8')
            os.replace(tmp_path / '.notice.tmp', src)
            watch.wait_for('notice.md] notice.pdf: 1 pages', timeout=30)
            assert word in without_space(pdf_text(tmp_path / 'notice.pdf'))
    finally:
        assert watch.stop() == 0


def test_watch_from_python_stops_when_asked(manuscript, epoch):
    stop, reports = threading.Event(), []

    def report(rebuild):
        reports.append(rebuild)
        stop.set()

    thread = threading.Thread(target=typeset.watch, args=(manuscript,),
                              kwargs={'report': report, 'stop': stop})
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert reports[0].result.pages == 1 and reports[0].error is None
    assert callable(typeset.watch)  # the function, not the module of the same stage
