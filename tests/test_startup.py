"""What a fresh `typeset build` process loads and parses before it sets a page (issue 13),
and that none of it changes the PDF. Timings are in benchmarks/bench_speed.py."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys

from conftest import CORPUS, ROOT

EPOCH = {**os.environ, 'SOURCE_DATE_EPOCH': '1700000000'}
SEED = ROOT / 'source' / 'report.md'


def run_python(code: str) -> str:
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300,
                         env=EPOCH)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def build_in_a_fresh_process(pdf, before: str = '') -> str:
    """Build the seed in a new process after running `before`; the PDF's sha256 and what
    the process loaded that concerns these tests."""
    run_python(f'{before}\n'
               'import typeset\n'
               f'typeset.build({str(SEED)!r}, {str(pdf)!r})\n')
    return hashlib.sha256(pdf.read_bytes()).hexdigest()


# -- WeasyPrint's C declarations, parsed ahead of time (cjk/cdecl.py) ------------------

def test_weasyprint_declarations_come_parsed():
    # Fails after an upgrade of WeasyPrint or cffi: run tools/make_cdecl.py.
    loaded = run_python('import sys, typeset.cjk, weasyprint.text.ffi as ffi\n'
                        'print(type(ffi.ffi).__name__, "pycparser" in sys.modules)')
    assert loaded == 'DeclaredFFI False'


OTHER_DECLARATIONS = ('import sys, types\n'
                      'stale = types.ModuleType("typeset.cjk.cdecl")\n'
                      'stale.DIGEST, stale.NAME, stale.ARGS = "0" * 32, "other", {}\n'
                      'sys.modules["typeset.cjk.cdecl"] = stale\n')


def test_other_declarations_are_parsed_as_weasyprint_does():
    loaded = run_python(OTHER_DECLARATIONS + 'import typeset.cjk, weasyprint.text.ffi as ffi, cffi\n'
                        'print(type(ffi.ffi) is cffi.FFI, bool(ffi.pango), bool(ffi.harfbuzz_subset))')
    assert loaded == 'True True True'


def test_pdf_is_the_same_with_declarations_parsed_ahead_or_by_cffi(tmp_path):
    declared = build_in_a_fresh_process(tmp_path / 'declared.pdf')
    parsed = build_in_a_fresh_process(tmp_path / 'parsed.pdf', OTHER_DECLARATIONS)
    assert declared == parsed


# -- what a Markdown build loads ------------------------------------------------------

def loaded_by_a_seed_build(tmp_path, module: str) -> str:
    """'True' or 'False': whether building the seed in a fresh process imports `module`."""
    return run_python('import sys, typeset\n'
                      f'typeset.build({str(SEED)!r}, {str(tmp_path / "seed.pdf")!r})\n'
                      f'print({module!r} in sys.modules)')


def test_markdown_build_does_not_load_the_word_reader(tmp_path):
    assert loaded_by_a_seed_build(tmp_path, 'typeset.readers.docx') == 'False'


# -- Markdown's extensions, by class --------------------------------------------------

def test_markdown_extensions_are_extra_admonition_and_sane_lists():
    # Named by class instead of looked up among entry points: the same HTML.
    import markdown
    from markdown.extensions.extra import extensions as extra

    from typeset import markup
    assert [module for module, _ in markup.EXTENSIONS] == extra + ['admonition', 'sane_lists']
    for manuscript in [ROOT / 'source' / 'report.md',
                       CORPUS / '10-markdown-feature-test-footnotes.md']:
        body = manuscript.read_text(encoding='utf-8')
        by_name = markdown.Markdown(extensions=['extra', 'admonition', 'sane_lists', markup.CJKExtension()],
                                    output_format='html').convert(body)
        assert markup.to_html(body) == by_name


def test_markdown_build_does_not_read_entry_points(tmp_path):
    assert loaded_by_a_seed_build(tmp_path, 'importlib.metadata') == 'False'


# -- font files copied out of HarfBuzz only when embedded whole -----------------------

def test_a_font_embedded_whole_is_the_whole_file():
    # With full_fonts nothing is subset: the file read when it is embedded is the font's.
    import typeset.cjk
    from typeset import render
    typeset.cjk.install()
    render.isolate_fonts()
    weasyprint = typeset.cjk.weasyprint
    config = weasyprint.text.fonts.FontConfiguration()
    font = ROOT / 'fonts' / 'FandolSong-Digits.otf'
    css = weasyprint.CSS(string=f'@font-face {{ font-family: D; src: url("{font.as_uri()}") }} '
                                'body { font-family: D }', font_config=config)
    document = weasyprint.HTML(string='<p>2026</p>').render(stylesheets=[css], font_config=config)
    assert font.read_bytes() in document.write_pdf(full_fonts=True, uncompressed_pdf=True)
    assert font.read_bytes() not in document.write_pdf(uncompressed_pdf=True)


# -- the project's templates, compiled once -------------------------------------------

def build_with_templates_kept_in(folder, pdf, manuscript=SEED, env=None) -> str:
    """Build in a fresh process with compiled templates kept in `folder`; the templates
    it compiled, one name a line, then the PDF's sha256."""
    code = ('import jinja2, typeset\n'
            'from typeset import assemble\n'
            f'assemble.COMPILED_TEMPLATES = __import__("pathlib").Path({str(folder)!r})\n'
            'compiled = []\n'
            'real = jinja2.Environment.compile\n'
            'def compile(self, source, name=None, *args, **kwargs):\n'
            '    compiled.append(name)\n'
            '    return real(self, source, name, *args, **kwargs)\n'
            'jinja2.Environment.compile = compile\n'
            f'typeset.build({str(manuscript)!r}, {str(pdf)!r})\n'
            'print(" ".join(sorted(compiled)))\n')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=300,
                         env={**EPOCH, **(env or {})})
    assert out.returncode == 0, out.stderr
    return (out.stdout.strip() + ' ' + hashlib.sha256(pdf.read_bytes()).hexdigest()).strip()


def test_project_templates_are_compiled_once_and_set_the_same_pdf(tmp_path):
    writing = {'PYTHONDONTWRITEBYTECODE': ''}
    first = build_with_templates_kept_in(tmp_path / 'kept', tmp_path / 'a.pdf', env=writing)
    second = build_with_templates_kept_in(tmp_path / 'kept', tmp_path / 'b.pdf', env=writing)
    compiled, digest = first.rsplit(' ', 1)
    assert 'page.html' in compiled.split()
    assert second == digest  # nothing compiled, the same bytes
    assert len(list((tmp_path / 'kept').iterdir())) == len(compiled.split())


def test_nothing_is_kept_when_python_writes_no_bytecode(tmp_path):
    build_with_templates_kept_in(tmp_path / 'kept', tmp_path / 'a.pdf', env={'PYTHONDONTWRITEBYTECODE': '1'})
    assert not (tmp_path / 'kept').exists()


def test_a_template_beside_a_manuscript_is_never_kept(tmp_path):
    folder = tmp_path / 'work'
    folder.mkdir()
    (folder / 'own.css').write_text('@page { size: A5 }', encoding='utf-8')
    (folder / 'own.html').write_text('<html><body>{{ body }}</body></html>', encoding='utf-8')
    manuscript = folder / 'doc.md'
    manuscript.write_text('---\nstyle: own.css\n---\n\n正文。\n', encoding='utf-8')
    writing = {'PYTHONDONTWRITEBYTECODE': ''}
    for pdf in ('a.pdf', 'b.pdf'):
        compiled = build_with_templates_kept_in(tmp_path / 'kept', tmp_path / pdf, manuscript, writing)
        assert compiled.split()[0] == 'own.html'  # compiled every time
    assert not (tmp_path / 'kept').exists() or not list((tmp_path / 'kept').iterdir())


# -- fontTools' subsetter and instancer, imported when WeasyPrint uses them -------------

def test_a_build_does_not_import_the_fonttools_subsetter(tmp_path):
    loaded = run_python('import sys, typeset\n'
                        f'typeset.build({str(SEED)!r}, {str(tmp_path / "seed.pdf")!r})\n'
                        'print([m for m in ("fontTools.subset", "fontTools.varLib.instancer") if m in sys.modules])')
    assert loaded == '[]'


def test_weasyprint_without_harfbuzz_subset_subsets_with_fonttools(tmp_path, monkeypatch):
    # WeasyPrint's fallback reaches fontTools.subset through the stand-in.
    import weasyprint.pdf.fonts as pdf_fonts

    import typeset
    from conftest import pdf_text
    monkeypatch.setattr(pdf_fonts, 'harfbuzz_subset', None)
    source = tmp_path / 'doc.md'
    source.write_text('---\ntitle: 通知\n---\n\n正文2026。\n', encoding='utf-8')
    typeset.build(source, tmp_path / 'doc.pdf')
    assert '正文2026' in pdf_text(tmp_path / 'doc.pdf')


def test_the_variable_font_instancer_is_fonttools_own():
    import pytest
    from fontTools.ttLib import TTFont
    from weasyprint.pdf import fonts as pdf_fonts
    with pytest.raises(ValueError, match='fvar'):
        pdf_fonts.instantiateVariableFont(TTFont(ROOT / 'fonts' / 'FandolSong-Digits.otf'), {})


def test_weasyprint_checks_the_projects_empty_fontconfig_setup_not_the_machines():
    # WeasyPrint loads a fontconfig setup when it is imported; the machine's reads /etc/fonts.
    loaded = run_python('import os\n'
                        'os.environ.pop("FONTCONFIG_FILE", None)\n'
                        'import typeset.cjk\n'
                        'print(os.environ["FONTCONFIG_FILE"])')
    assert loaded == str(ROOT / 'fonts' / 'fonts.conf')


def test_a_build_reads_fonts_without_fonttools_opentype_table_code(tmp_path):
    # Coverage and advances by glyph number; the bare CFF without CFF2's variation store.
    loaded = run_python('import sys, typeset\n'
                        f'typeset.build({str(SEED)!r}, {str(tmp_path / "seed.pdf")!r})\n'
                        'print("fontTools.ttLib.tables.otTables" in sys.modules)\n'
                        'from fontTools import cffLib\n'
                        'from fontTools.ttLib.tables import otTables\n'
                        'print(cffLib.ot.VarStore is otTables.VarStore)')
    assert loaded.split() == ['False', 'True']


def test_coverage_and_advances_by_glyph_number_are_those_by_name():
    from fontTools.ttLib import TTFont

    from typeset import fonts
    for path in sorted((ROOT / 'fonts').glob('*.otf')):
        named = TTFont(path, lazy=True)
        cmap = named['cmap'].getBestCmap()
        upem = named['head'].unitsPerEm
        assert fonts._cmap(str(path), path.stat().st_mtime) == frozenset(cmap)
        assert fonts._advances(str(path), path.stat().st_mtime) == {
            cp: named['hmtx'][name][0] / upem for cp, name in cmap.items()}


def test_a_build_copies_no_whole_font_file_out_of_harfbuzz(tmp_path):
    # Only the subsets are read: the seed's fonts are 30 MB, its subsets under 1 MB.
    read = run_python('import typeset, typeset.cjk\n'
                      'typeset.cjk.install()\n'
                      'from weasyprint.pdf import fonts\n'
                      'real, sizes = fonts.get_hb_object_data, []\n'
                      'fonts.get_hb_object_data = lambda *a: sizes.append(len(real(*a))) or real(*a)\n'
                      f'typeset.build({str(SEED)!r}, {str(tmp_path / "seed.pdf")!r})\n'
                      'print(max(sizes), sum(sizes))')
    largest, total = map(int, read.split())
    assert largest < 1_000_000 and total < 2_000_000


# -- watch ------------------------------------------------------------------------------

def test_a_save_while_the_watch_starts_again_is_built(tmp_path, monkeypatch):
    # A manuscript in a shared folder is watched alone and watched anew after each build
    # (an editor's save replaces the file): a save in between is not lost.
    import threading

    from conftest import pdf_text, without_space
    from typeset import watcher
    monkeypatch.setenv('TMPDIR', str(tmp_path))
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1700000000')
    src = tmp_path / 'notice.md'
    src.write_text('---\ntitle: 通知\n---\n\n稳步推进各项工作。\n', encoding='utf-8')
    stop, built = threading.Event(), []

    def report(rebuild):
        built.append(rebuild)
        if len(built) == 1:  # saved by rename before the new file is watched
            (tmp_path / '.notice.tmp').write_text(src.read_text(encoding='utf-8').replace('稳步', '扎实'),
                                                  encoding='utf-8')
            os.replace(tmp_path / '.notice.tmp', src)
        else:
            stop.set()

    thread = threading.Thread(target=watcher.watch, args=(src, tmp_path / 'notice.pdf'),
                              kwargs={'report': report, 'stop': stop})
    thread.start()
    thread.join(timeout=60)
    stop.set()
    thread.join(timeout=30)
    assert len(built) == 2 and all(rebuild.error is None for rebuild in built)
    assert '扎实推进' in without_space(pdf_text(tmp_path / 'notice.pdf'))
