"""Reading manuscripts: encodings, line endings, files that are not manuscripts, front
matter and options — each bad input is one clear InputError naming file and line.

Most cases only read the source (fast); a few build the PDF to show the text that was
decoded is the text that is printed.
"""
from __future__ import annotations

import codecs
import os
import shutil
from pathlib import Path

import pdfplumber
import pytest

import typeset
from typeset import fonts, frontmatter, pipeline, source
from typeset.errors import InputError
from typeset.source import read_source

TEXT = '# 关于做好春节期间安全工作的通知\n\n各单位：\n\n现将有关事项通知如下，请认真贯彻执行。\n\n第二段，镕基。\n'


def write(tmp_path: Path, data: bytes | str, name: str = 'doc.md') -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode('utf-8'))
    return path


def pdf_text(path: Path) -> str:
    with pdfplumber.open(path) as pdf:
        return ''.join(ch['text'] for page in pdf.pages for ch in page.chars)


def error_of(path: Path) -> InputError:
    with pytest.raises(InputError) as info:
        read_source(path)
    return info.value


# -- encodings -------------------------------------------------------------------------

@pytest.mark.parametrize('name, data, encoding, note', [
    ('utf-8', TEXT.encode('utf-8'), 'utf-8', None),
    ('utf-8 BOM', codecs.BOM_UTF8 + TEXT.encode('utf-8'), 'utf-8-sig', 'UTF-8 (with a byte-order mark)'),
    ('utf-16 LE', codecs.BOM_UTF16_LE + TEXT.encode('utf-16-le'), 'utf-16', 'UTF-16'),
    ('utf-16 BE', codecs.BOM_UTF16_BE + TEXT.encode('utf-16-be'), 'utf-16', 'UTF-16'),
    ('utf-32', TEXT.encode('utf-32'), 'utf-32', 'UTF-32'),
    ('gbk', TEXT.encode('gbk'), 'gb18030', 'GB18030'),
    ('gb18030', TEXT.encode('gb18030'), 'gb18030', 'GB18030'),
])
def test_encodings_are_read_and_said(tmp_path, name, data, encoding, note):
    src = read_source(write(tmp_path, data))
    assert src.encoding == encoding
    assert src.text == TEXT
    if note:
        assert len(src.notes) == 1 and note in src.notes[0] and str(tmp_path) in src.notes[0]
        assert '\n' not in src.notes[0]
    else:
        assert src.notes == []


def test_gbk_manuscript_prints_the_right_characters(tmp_path):
    """A GBK file from an office machine, with CRLF line endings, builds into a PDF whose
    text is the manuscript's (not mojibake)."""
    path = write(tmp_path, TEXT.replace('\n', '\r\n').encode('gbk'))
    result = typeset.build(path, tmp_path / 'doc.pdf')
    assert any('GB18030' in n for n in result.notes)
    text = pdf_text(result.output)
    for phrase in ('关于做好春节期间安全工作的通知', '各单位', '现将有关事项通知如下', '镕基'):
        assert phrase in text


def test_gbk_with_many_symbols_is_still_gbk(tmp_path):
    """Quotes, dashes, circled numbers, ×, Greek: all GB 2312, common in office text."""
    text = '“通知”——①关于②有关③事项④⑤ α×β÷γ …… “一”“二”“三”《第四》\n\n正文。\n'
    src = read_source(write(tmp_path, text.encode('gbk')))
    assert (src.encoding, src.text) == ('gb18030', text)


@pytest.mark.parametrize('ending', ['\r\n', '\r'])
def test_crlf_and_cr_line_endings(tmp_path, ending):
    text = '---\ntitle: 标题\n---\n第一段。\n\n第二段。\n'
    src = read_source(write(tmp_path, text.replace('\n', ending)))
    assert src.text == text and src.meta == {'title': '标题'}
    assert src.body.split('\n') == ['第一段。', '', '第二段。', '']
    assert src.file_line(1) == 4 and src.file_line(3) == 6
    # and the lines of errors count CR-only lines too
    bad = '---\ntitle: 标题\n---\n第一段。\n\n第二段\x80。\n'.replace('\n', ending)
    err = error_of(write(tmp_path, bad.encode('utf-8').replace(b'\xc2\x80', b'\x80'), 'bad.md'))
    assert err.line == 6


def test_windows_1252_is_an_error_not_a_guess(tmp_path):
    """‘It’s’ in Windows-1252 decodes as GB18030 to a rare Han character: refused, with
    the byte, its offset and its line."""
    data = 'Title\n\nIt’s a “test”.\n'.encode('cp1252')
    err = error_of(write(tmp_path, data))
    assert err.line == 3 and err.col == 3
    assert 'byte 0x92 at offset 9' in err.message and 'UTF-8' in err.message
    assert str(err).startswith(f'{tmp_path / "doc.md"}:3:3: ')


def test_latin1_is_an_error(tmp_path):
    err = error_of(write(tmp_path, 'Café crème\n'.encode('latin-1')))
    assert (err.line, err.col) == (1, 4) and 'byte 0xe9 at offset 3' in err.message


def test_damaged_utf8_is_not_rescued_as_gb18030(tmp_path):
    """A UTF-8 file with one byte lost: GB18030 would decode it (into nonsense); the
    error points at the damaged place instead."""
    data = TEXT.encode('utf-8')
    at = data.index('现将'.encode()) + 1
    data = data[:at] + data[at + 1:]
    err = error_of(write(tmp_path, data))
    assert err.line == 5 and f'offset {at - 1}' in err.message and 'damaged' in err.message


def test_invalid_utf16_names_the_line(tmp_path):
    data = codecs.BOM_UTF16_LE + 'a\nb\nc'.encode('utf-16-le') + b'\x00\xdc' + 'd'.encode('utf-16-le')
    err = error_of(write(tmp_path, data))
    assert err.line == 3 and 'UTF-16' in err.message and 'offset 12' in err.message


@pytest.mark.parametrize('data, words', [
    (b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR', 'PNG image'),
    (b'PK\x03\x04\x14\x00\x06\x00', '.docx'),
    (b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00', 'Word'),
    (b'%PDF-1.7\n%\xe2\xe3', 'a PDF'),
    (b'text\x00\x01\x02binary', 'binary file'),
    ('# Title 正文\n\nText.\n'.encode('utf-16-le'), 'UTF-16 without a byte-order mark'),
])
def test_binary_files(tmp_path, data, words):
    err = error_of(write(tmp_path, data))
    assert words in err.message and '\n' not in str(err)


@pytest.mark.parametrize('data, words', [(b'', 'empty'), (b'  \n\r\n\t \n', 'no text')])
def test_empty_files(tmp_path, data, words):
    assert words in error_of(write(tmp_path, data)).message


def test_directory_missing_and_device(tmp_path):
    assert 'directory' in error_of(tmp_path).message
    assert error_of(tmp_path / 'nope.md').message == 'no such file'
    if os.path.exists('/dev/zero'):  # would be read forever
        assert 'not a regular file' in error_of(Path('/dev/zero')).message


def test_too_large(tmp_path, monkeypatch):
    monkeypatch.setattr(source, 'MAX_SOURCE_BYTES', 1000)
    err = error_of(write(tmp_path, '字' * 400))
    assert 'split it' in err.message


# -- front matter ------------------------------------------------------------------------

def test_yaml_error_names_the_line(tmp_path):
    err = error_of(write(tmp_path, '---\ntitle: 标题\nauthor: 某某\nsubtitle: [a, b\nlang: zh\n---\n正文\n'))
    assert err.line in (4, 5) and 'YAML' in err.message


def test_yaml_error_line_with_bom_and_crlf(tmp_path):
    text = '---\ntitle: 标题\n  bad: indent\n---\n正文\n'.replace('\n', '\r\n')
    err = error_of(write(tmp_path, codecs.BOM_UTF8 + text.encode()))
    assert err.line == 3


def test_unclosed_front_matter(tmp_path):
    err = error_of(write(tmp_path, '---\ntitle: 标题\n正文\n'))
    assert err.line == 1 and 'never closed' in err.message


def test_unknown_key_lists_the_known_ones(tmp_path):
    err = error_of(write(tmp_path, '---\ntitle: 标题\ncolour: red\n---\n正文\n'))
    assert err.line == 3 and "'colour'" in err.message
    for key in frontmatter.KEYS:
        assert key in err.message


@pytest.mark.parametrize('yaml_text, key', [
    ('title: {a: 1}', 'title'),
    ('author: [a, b]', 'author'),
    ('checks: [a]', 'checks'),
    # An alias bomb: refused by type before anything expands it.
    ('title: &a [x, x, x, x]\nsubtitle: &b [*a, *a, *a, *a]\nkeywords: [*b, *b, *b, *b]', 'subtitle'),
])
def test_front_matter_values_of_the_wrong_kind(tmp_path, yaml_text, key):
    path = write(tmp_path, f'---\n{yaml_text}\n---\n正文\n')
    err = error_of(path)
    assert key in err.message
    assert err.line == next(i for i, ln in enumerate(path.read_text().split('\n'), 1) if ln.startswith(key))


def test_unknown_style_in_front_matter_names_line_and_lists_styles(tmp_path):
    path = write(tmp_path, '---\ntitle: 标题\nstyle: fancy\n---\n正文\n')
    with pytest.raises(InputError) as info:
        pipeline.prepare(path)
    err = info.value
    assert (err.path, err.line) == (str(path), 3)
    for style in pipeline.list_styles():
        assert style.name in err.message


def test_unknown_style_option_lists_styles(tmp_path):
    with pytest.raises(InputError) as info:
        pipeline.prepare(write(tmp_path, '正文\n'), style='fancy')
    assert 'gongwen' in info.value.message


def test_style_sheet_path_not_found(tmp_path):
    path = write(tmp_path, '---\nstyle: house/own.css\n---\n正文\n')
    with pytest.raises(InputError) as info:
        pipeline.prepare(path)
    assert info.value.line == 2 and 'own.css' in info.value.message


def test_deep_nesting_is_refused_with_its_line(tmp_path):
    err = error_of(write(tmp_path, '正文\n\n' + '> ' * 40 + '深\n'))
    assert err.line == 3 and 'nested' in err.message
    items = ''.join('    ' * i + '- 项\n' for i in range(40))
    assert 'nested' in error_of(write(tmp_path, '正文\n\n' + items)).message


# -- fonts -------------------------------------------------------------------------------

def temp_fonts(tmp_path: Path, broken: str | None = None, missing: str | None = None) -> Path:
    """A copy of fonts/ (fonts linked, not copied) with one font missing or damaged."""
    folder = tmp_path / 'fonts'
    folder.mkdir()
    shutil.copy(pipeline.FONTS_DIR / 'manifest.toml', folder)
    shutil.copy(pipeline.FONTS_DIR / 'fonts.conf', folder)
    # one file may serve several faces (a digits subset at 400 and 700)
    for file in dict.fromkeys(spec.file for spec in fonts.load_manifest(pipeline.FONTS_DIR)):
        name = file.name
        if name == missing:
            continue
        if name == broken:
            (folder / name).write_bytes(b'OTTO' + b'\x00garbage' * 100)
        else:
            (folder / name).symlink_to(file)
    return folder


def test_missing_font_file_is_named(tmp_path):
    folder = temp_fonts(tmp_path, missing='FandolKai-Regular.otf')
    with pytest.raises(InputError) as info:
        fonts.load_manifest(folder)
    assert info.value.path == str(folder / 'FandolKai-Regular.otf') and 'FandolKai' in info.value.message


def test_unreadable_font_file_is_named(tmp_path, monkeypatch):
    folder = temp_fonts(tmp_path, broken='FandolFang-Regular.otf')
    monkeypatch.setattr(pipeline, 'FONTS_DIR', folder)
    with pytest.raises(InputError) as info:
        typeset.build(write(tmp_path, TEXT), tmp_path / 'doc.pdf')
    assert info.value.path == str(folder / 'FandolFang-Regular.otf') and 'cannot read font' in info.value.message
    assert not (tmp_path / 'doc.pdf').exists()


def test_broken_manifest_is_named(tmp_path):
    folder = tmp_path / 'fonts'
    folder.mkdir()
    (folder / 'manifest.toml').write_text('[[font]\nfile = ', encoding='utf-8')
    with pytest.raises(InputError) as info:
        fonts.load_manifest(folder)
    assert info.value.path == str(folder / 'manifest.toml')
    with pytest.raises(InputError) as info:
        fonts.load_manifest(tmp_path / 'nowhere')
    assert 'manifest' in info.value.message
