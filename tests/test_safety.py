"""Hostile documents and failed builds: the sandbox, atomic output, reproducible bytes and
the one error policy of the CLI. Every test builds real documents and reads the PDF back.
"""
from __future__ import annotations

import errno
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pdfplumber
import pytest
from click.testing import CliRunner
from PIL import Image

import typeset
from typeset import cli, pipeline
from typeset.errors import InputError

FIXTURES = Path(__file__).parent / 'fixtures' / 'safety'
TYPESET = Path(sys.executable).parent / 'typeset'


# -- reading a PDF back, all of it --------------------------------------------------------

def pdf_everything(path: Path) -> bytes:
    """The PDF's bytes and every stream decompressed (page content, fonts, embedded files)."""
    data = path.read_bytes()
    out = [data]
    for m in re.finditer(rb'stream\r?\n', data):
        end = data.find(b'endstream', m.end())
        try:
            out.append(zlib.decompressobj().decompress(data[m.end():end]))
        except zlib.error:
            pass
    return b'\n'.join(out)


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return ''.join(ch['text'] for page in pdf.pages for ch in page.chars)


def pdf_uris(path: Path) -> list[str]:
    with pdfplumber.open(path) as pdf:
        return [a['uri'] for page in pdf.pages for a in page.annots if a.get('uri')]


def passwd_samples() -> list[bytes]:
    """Lines of /etc/passwd long enough that finding one in a PDF is no coincidence."""
    try:
        lines = Path('/etc/passwd').read_bytes().splitlines()
    except OSError:
        return []
    return [ln for ln in lines if len(ln) >= 12][:20]


def png(path: Path, colour=(200, 0, 0)) -> Path:
    Image.new('RGB', (8, 8), colour).save(path)
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    """tmp/project/source/ (the manuscript's folder) beside tmp/project/outside/."""
    src = tmp_path / 'project' / 'source'
    src.mkdir(parents=True)
    outside = tmp_path / 'project' / 'outside'
    outside.mkdir()
    (outside / 'leak.css').write_text('body::after { content: "LEAKED-CSS-MARKER"; }', encoding='utf-8')
    (outside / 'secret.txt').write_text('LEAKED-ATTACHMENT-MARKER\n', encoding='utf-8')
    png(outside / 'secret.png')
    (src / 'escape.png').symlink_to(outside / 'secret.png')
    return src


# -- the sandbox -------------------------------------------------------------------------

def test_hostile_document_builds_with_findings_and_leaks_nothing(project):
    """/etc/passwd as an image, a link, a CSS @import, a <link>, a raw <img>, a file://
    URL, a background, an <object>, an SVG image and an attachment; `..` escapes and a
    symlink out of the project: the PDF is built, each reference is a finding naming it,
    and no byte of any of them is in the PDF."""
    shutil.copy(FIXTURES / 'hostile.md', project)
    out = project.parent / 'output' / 'hostile.pdf'
    result = typeset.build(project / 'hostile.md', out)

    text = pdf_text(out)
    assert '关于资源安全的测试' in text and '正文结束' in text and '口令' in text  # alt text stays

    refused = {(f.extra['url'], f.extra['what']): f for f in result.findings if 'url' in f.extra}
    outside = project.parent / 'outside'
    for url, what in [
        ('file:///etc/passwd', 'refused to load'),
        ('file:///etc/passwd', 'removed the link to'),
        ((outside / 'leak.css').as_uri(), 'refused to load'),
        ((outside / 'secret.png').as_uri(), 'refused to load'),
        ((outside / 'secret.txt').as_uri(), 'did not attach'),
        ('file:///etc/passwd', 'did not attach'),
        ((project / 'escape.png').as_uri(), 'refused to load'),
    ]:
        finding = refused.pop((url, what))
        assert finding.severity == 'error'
        assert finding.rule == ('attachment-refused' if what == 'did not attach' else 'resource-outside-project')
        assert url in finding.message and finding.path == str(project / 'hostile.md') and finding.line
    assert not refused, refused
    assert 'symbolic link' in next(f.message for f in result.findings if 'escape.png' in f.message)
    passwd = next(f for f in result.findings if f.extra.get('what') == 'refused to load'
                  and f.extra['url'] == 'file:///etc/passwd')
    assert passwd.line == 5  # the first line that wrote it: the @import

    everything = pdf_everything(out)
    for sample in passwd_samples():
        assert sample not in everything and sample.decode(errors='replace') not in text
    for marker in (b'LEAKED-CSS-MARKER', b'LEAKED-ATTACHMENT-MARKER', b'root:x:'):
        assert marker not in everything
    assert 'LEAKED' not in text
    assert b'/EmbeddedFile' not in everything and b'/Subtype /Image' not in everything
    assert pdf_uris(out) == ['https://www.gov.cn/']
    assert str(project.parent).encode() not in everything  # no path of this machine


def test_hostile_document_through_the_cli(project):
    """The user's view: the PDF is written, each refusal is a line on stderr naming the
    file, line and reference, and the exit code is 1 (the build ran and found errors)."""
    shutil.copy(FIXTURES / 'hostile.md', project)
    out = project / 'hostile.pdf'
    result = CliRunner().invoke(cli.main, ['build', str(project / 'hostile.md'), '-o', str(out)])
    assert result.exit_code == 1 and out.is_file()
    assert 'Traceback' not in result.output + result.stderr
    lines = [ln for ln in result.stderr.splitlines() if 'file:///etc/passwd' in ln]
    assert len(lines) == 3 and all(ln.startswith(f"{project / 'hostile.md'}:5:") for ln in lines)
    assert '[resource-outside-project]' in lines[0]


def test_resources_inside_the_project_still_load(tmp_path):
    """The sandbox is not a wall: a style sheet, an image and an attachment beside the
    manuscript are used; a link to a local file is removed (warning), web and internal
    links stay."""
    shutil.copy(FIXTURES / 'inside.md', tmp_path)
    (tmp_path / 'inside.css').write_text('body::after { content: "INSIDE-CSS-OK"; }', encoding='utf-8')
    png(tmp_path / 'inside.png')
    (tmp_path / 'annex.txt').write_text('附件', encoding='utf-8')
    result = typeset.build(tmp_path / 'inside.md', tmp_path / 'inside.pdf')
    assert not result.errors, result.errors
    assert [(f.rule, f.severity) for f in result.findings] == [('link-removed', 'warning')]
    assert 'annex.txt' in result.findings[0].message and result.findings[0].line == 7
    assert 'INSIDE-CSS-OK' in pdf_text(result.output)
    everything = pdf_everything(result.output)
    assert b'/Subtype /Image' in everything
    assert pdf_uris(result.output) == ['https://www.gov.cn/']
    assert str(tmp_path).encode() not in everything


class _Counter(http.server.BaseHTTPRequestHandler):
    requests: list[str] = []

    def do_GET(self):  # noqa: N802
        type(self).requests.append(self.path)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b'body::after { content: "FROM-THE-NETWORK"; }')

    def log_message(self, *args):
        pass


def test_nothing_reaches_the_network(tmp_path, monkeypatch):
    """http(s), ftp: a live server on localhost receives no request, no socket is even
    opened, and every reference is a finding."""
    server = http.server.HTTPServer(('127.0.0.1', 0), _Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = f'127.0.0.1:{server.server_port}'
    connects = []
    real_connect = socket.socket.connect
    monkeypatch.setattr(socket.socket, 'connect', lambda self, addr: connects.append(addr) or real_connect(self, addr))
    try:
        src = tmp_path / 'network.md'
        src.write_text((FIXTURES / 'network.md').read_text(encoding='utf-8').replace('HOST', host), encoding='utf-8')
        result = typeset.build(src, tmp_path / 'network.pdf')
    finally:
        server.shutdown()
    assert _Counter.requests == [] and connects == []
    urls = {f.extra['url'] for f in result.findings if f.rule in ('resource-outside-project', 'attachment-refused')}
    for name in ('import.css', 'font.woff2', 'bg.png', 'link.css', 'attach.txt', 'image.png',
                 'svg.png', 'a-attach.txt'):
        assert any(u.endswith('/' + name) for u in urls), name
    assert f'ftp://{host}/file.png' in urls
    assert 'FROM-THE-NETWORK' not in pdf_text(result.output)


def test_fonts_of_the_manifest_may_be_symlinks(tmp_path, monkeypatch):
    """fonts/ may link to licensed fonts installed elsewhere: the manifest names them, so
    they are the project's own, wherever the links lead."""
    from test_source import temp_fonts
    folder = temp_fonts(tmp_path)
    assert (folder / 'FandolFang-Regular.otf').is_symlink()
    monkeypatch.setattr(pipeline, 'FONTS_DIR', folder)
    src = tmp_path / 'doc.md'
    src.write_text('# 标题\n\n正文。\n', encoding='utf-8')
    result = typeset.build(src, tmp_path / 'doc.pdf')
    assert result.findings == []
    with pdfplumber.open(result.output) as pdf:
        fonts = {ch['fontname'].split('+')[-1] for ch in pdf.pages[0].chars}
    assert any('FandolFang' in f for f in fonts), fonts


def test_front_matter_style_must_stay_in_the_project(project):
    (project.parent / 'outside' / 'evil.css').write_text('p { color: red; }', encoding='utf-8')
    src = project / 'doc.md'
    src.write_text('---\ntitle: 标题\nstyle: ../outside/evil.css\n---\n正文。\n', encoding='utf-8')
    with pytest.raises(InputError) as info:
        typeset.build(src, project / 'doc.pdf')
    assert info.value.line == 3 and 'outside the project' in info.value.message


def test_style_template_cannot_run_code(tmp_path):
    """A style beside the manuscript may bring a template; it runs in Jinja's sandbox."""
    shutil.copy(pipeline.STYLES_DIR / 'gongwen.css', tmp_path / 'evil.css')
    marker = tmp_path / 'pwned'
    (tmp_path / 'evil.html').write_text(
        '{% extends "page.html" %}{% block closing %}'
        f"{{{{ cycler.__init__.__globals__.os.system('touch {marker}') }}}}{{% endblock %}}",
        encoding='utf-8')
    src = tmp_path / 'doc.md'
    src.write_text('---\nstyle: evil.css\n---\n正文。\n', encoding='utf-8')
    with pytest.raises(InputError) as info:
        typeset.build(src, tmp_path / 'doc.pdf')
    assert 'unsafe' in info.value.message and info.value.path.endswith('evil.html')
    assert not marker.exists()


# -- atomic output -------------------------------------------------------------------------

@pytest.fixture
def previous(tmp_path) -> tuple[Path, Path, bytes]:
    """A manuscript with a good PDF already built: (source, pdf, its bytes)."""
    src = tmp_path / 'doc.md'
    src.write_text('# 通知\n\n原来的正文。\n', encoding='utf-8')
    out = tmp_path / 'out' / 'doc.pdf'
    typeset.build(src, out)
    return src, out, out.read_bytes()


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != 'doc.pdf')


def test_bad_input_keeps_the_previous_pdf(previous):
    src, out, before = previous
    src.write_bytes(b'\x89PNG\r\n\x1a\n\x00\x00')
    with pytest.raises(InputError):
        typeset.build(src, out)
    assert out.read_bytes() == before and leftovers(out.parent) == []


def _failing_write(exc):
    def write_pdf(self, target=None, **kwargs):
        target.write(b'%PDF-1.7\n% half a PDF ...')
        raise exc
    return write_pdf


@pytest.mark.parametrize('exc', [RuntimeError('boom in the middle of writing'), KeyboardInterrupt()],
                         ids=['exception', 'ctrl-c'])
def test_failure_while_writing_keeps_the_previous_pdf(previous, monkeypatch, exc):
    import weasyprint.document
    src, out, before = previous
    src.write_text('# 通知\n\n新的正文。\n', encoding='utf-8')
    monkeypatch.setattr(weasyprint.document.Document, 'write_pdf', _failing_write(exc))
    with pytest.raises(type(exc)):
        typeset.build(src, out)
    assert out.read_bytes() == before and leftovers(out.parent) == []


def test_failure_during_layout_keeps_the_previous_pdf(previous, monkeypatch):
    import weasyprint
    src, out, before = previous

    def render(self, *args, **kwargs):
        raise MemoryError('layout ran out of memory')
    monkeypatch.setattr(weasyprint.HTML, 'render', render)
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(out)])
    assert result.exit_code == 1 and 'internal error: MemoryError' in result.stderr
    assert 'Traceback' not in result.stderr
    assert out.read_bytes() == before and leftovers(out.parent) == []


def test_disk_full_keeps_the_previous_pdf(previous, monkeypatch):
    import weasyprint.document
    src, out, before = previous
    monkeypatch.setattr(weasyprint.document.Document, 'write_pdf',
                        _failing_write(OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(out)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f'error: {out}: cannot write the PDF: {os.strerror(errno.ENOSPC)}; '
                                     'the previous file is unchanged')
    assert out.read_bytes() == before and leftovers(out.parent) == []


def test_ctrl_c_through_the_cli(previous, monkeypatch):
    import weasyprint.document
    src, out, before = previous
    monkeypatch.setattr(weasyprint.document.Document, 'write_pdf', _failing_write(KeyboardInterrupt()))
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(out)])
    assert result.exit_code == 130 and 'previous output is unchanged' in result.stderr
    assert out.read_bytes() == before and leftovers(out.parent) == []


def test_output_never_overwrites_the_manuscript(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('正文。\n', encoding='utf-8')
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(src)])
    assert result.exit_code == 2 and 'overwrite the manuscript' in result.stderr
    assert src.read_text(encoding='utf-8') == '正文。\n'


def test_output_that_cannot_be_written(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('正文。\n', encoding='utf-8')
    (tmp_path / 'file').write_text('x')
    with pytest.raises(InputError) as info:
        typeset.build(src, tmp_path / 'file' / 'doc.pdf')  # a file where a folder should be
    assert info.value.path == str(tmp_path / 'file')
    (tmp_path / 'dir.pdf').mkdir()
    with pytest.raises(InputError) as info:
        typeset.build(src, tmp_path / 'dir.pdf')
    assert 'folder' in info.value.message


def test_two_builds_at_once(tmp_path):
    """Two processes build two documents into one folder at the same time."""
    out = tmp_path / 'output'
    docs = {'a': '甲文件的正文。', 'b': '乙文件的正文。'}
    procs = []
    for name, body in docs.items():
        (tmp_path / f'{name}.md').write_text(f'# {name}\n\n{body}\n' * 20, encoding='utf-8')
        procs.append(subprocess.Popen([str(TYPESET), 'build', str(tmp_path / f'{name}.md'), '-o',
                                       str(out / f'{name}.pdf')], stderr=subprocess.PIPE))
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    for name, body in docs.items():
        assert body in pdf_text(out / f'{name}.pdf')
    assert sorted(p.name for p in out.iterdir()) == ['a.pdf', 'b.pdf']


# -- reproducible output ------------------------------------------------------------------

def test_same_source_same_bytes(tmp_path, monkeypatch):
    """Two runs of `typeset build` on one source: byte-identical PDFs, without any date."""
    monkeypatch.delenv('SOURCE_DATE_EPOCH', raising=False)
    src = tmp_path / 'doc.md'
    src.write_text('---\ntitle: 标题\n---\n正文。<a href="https://www.gov.cn/">链接</a>\n\n— 1 —\n', encoding='utf-8')
    for name in ('one', 'two'):
        subprocess.run([str(TYPESET), 'build', str(src), '-o', str(tmp_path / f'{name}.pdf')],
                       check=True, capture_output=True, timeout=120)
    assert (tmp_path / 'one.pdf').read_bytes() == (tmp_path / 'two.pdf').read_bytes()
    with pdfplumber.open(tmp_path / 'one.pdf') as pdf:
        assert 'CreationDate' not in pdf.metadata and 'ModDate' not in pdf.metadata  # never the clock


def test_same_source_same_bytes_in_one_process(tmp_path):
    """The library, called repeatedly (a server, a test suite), must not drift either."""
    other = tmp_path / 'other.md'
    other.write_text('# 其他\n\n<a href="#x">另一个文件</a>，（甲）“乙”。\n', encoding='utf-8')
    src = tmp_path / 'doc.md'
    src.write_text('---\ntitle: 标题\n---\n正文。<a href="https://www.gov.cn/">链接</a>\n', encoding='utf-8')
    first = typeset.build(src, tmp_path / 'one.pdf').output.read_bytes()
    typeset.build(other, tmp_path / 'other.pdf')
    second = typeset.build(src, tmp_path / 'two.pdf').output.read_bytes()
    assert first == second


def test_dates_come_from_source_date_epoch(tmp_path, monkeypatch):
    src = tmp_path / 'doc.md'
    src.write_text('---\ntitle: 标题\ndate: 2020-01-02\n---\n正文。\n', encoding='utf-8')
    monkeypatch.setenv('SOURCE_DATE_EPOCH', '1709251200')  # 2024-03-01T00:00:00Z
    one = typeset.build(src, tmp_path / 'one.pdf').output
    before = one.read_bytes()
    with pdfplumber.open(one) as pdf:
        assert pdf.metadata['CreationDate'].startswith('D:20240301000000')
        assert pdf.metadata['ModDate'].startswith('D:20240301000000')
    monkeypatch.setenv('SOURCE_DATE_EPOCH', 'yesterday')
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(one)])
    assert result.exit_code == 2 and 'SOURCE_DATE_EPOCH' in result.stderr
    assert one.read_bytes() == before


# -- one error policy -----------------------------------------------------------------------

def test_input_error_is_one_line_with_file_and_line_exit_2(tmp_path):
    src = tmp_path / 'doc.md'
    src.write_text('---\ntitle: 标题\ncolour: red\n---\n正文。\n', encoding='utf-8')
    result = CliRunner().invoke(cli.main, ['build', str(src), '-o', str(tmp_path / 'doc.pdf')])
    assert result.exit_code == 2
    assert result.stderr.count('\n') == 1 and result.stderr.startswith(f'error: {src}:3: unknown front matter key')
    assert result.stdout == '' and not (tmp_path / 'doc.pdf').exists()
    debug = CliRunner().invoke(cli.main, ['--debug', 'build', str(src), '-o', str(tmp_path / 'doc.pdf')])
    assert debug.exit_code == 2 and 'Traceback' in debug.stderr


def test_internal_error_is_one_line_traceback_only_with_debug(tmp_path, monkeypatch):
    src = tmp_path / 'doc.md'
    src.write_text('正文。\n', encoding='utf-8')

    def broken(*args, **kwargs):
        raise ZeroDivisionError('a bug of ours')
    monkeypatch.setattr(pipeline, 'build', broken)
    result = CliRunner().invoke(cli.main, ['build', str(src)])
    assert result.exit_code == 1 and result.stderr.count('\n') == 1
    assert 'internal error: ZeroDivisionError: a bug of ours' in result.stderr and 'Traceback' not in result.stderr
    debug = CliRunner().invoke(cli.main, ['--debug', 'build', str(src)])
    assert debug.exit_code == 1 and 'Traceback' in debug.stderr


def test_deep_html_nesting_is_an_input_error(tmp_path):
    """Nesting the line check cannot see (raw HTML) still ends in a clean error."""
    src = tmp_path / 'doc.md'
    src.write_text('正文。\n\n' + '<div>' * 400 + '深' + '</div>' * 400 + '\n', encoding='utf-8')
    result = subprocess.run([str(TYPESET), 'build', str(src), '-o', str(tmp_path / 'doc.pdf')],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and 'Traceback' not in result.stderr
    assert result.stderr.startswith(f'error: {src}: nested too deeply')
