"""A Word file as an untrusted package: its ZIP members, XML parts and relationships.

A .docx may come from anyone, so nothing in it is trusted before it is measured:

- the ZIP's member count, declared sizes and compression ratios are checked before a byte
  is inflated (a zip bomb is refused, not unpacked), and every read stops at its cap
  whatever the header claims;
- XML is parsed by expat with a default handler set, which makes expat pass entity
  references through unexpanded: neither `<!ENTITY x SYSTEM "file:///…">` (XXE) nor
  nested internal entities (billion laughs) are ever expanded, and the DTD is only noted;
- element depth is capped, so a deeply nested table is an error, not a stack overflow;
- relationships that point outside the package (`TargetMode="External"`) are reported
  by the reader and never opened: this module reads only members of the ZIP.
"""
from __future__ import annotations

import io
import posixpath
import pyexpat
import zipfile
import zlib
from dataclasses import dataclass, field
from xml.etree.ElementTree import Element, TreeBuilder

from ..errors import InputError

# Word writes a few dozen members; a package with thousands is not a document.
MAX_MEMBERS = 4000
# A 3,400-page report (5 MB of text) has a document.xml of about 40 MB.
MAX_PART_BYTES = 48 * 1024 * 1024
MAX_TOTAL_BYTES = 200 * 1024 * 1024
# Word's XML deflates 5-20:1, images about 1:1; a zip bomb deflates 1000:1 and more.
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024   # small members may compress as they like
# Body, table, row, cell, paragraph, run … Word nests tables a handful deep, 8 XML levels
# each: 400 levels is some 45 tables inside one another.
MAX_XML_DEPTH = 400

W = 'http://schemas.openxmlformats.org/wordprocessingml/2006/main'
R = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
REL = 'http://schemas.openxmlformats.org/package/2006/relationships'
OFFICE_DOCUMENT = R + '/officeDocument'
STRICT_OFFICE_DOCUMENT = 'http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument'

# What people send instead of a .docx, said by name with what to do.
OLE2 = b'\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'
OTHER_FORMATS = {
    '.doc': 'an old Word document (.doc)',
    '.wps': 'a WPS Office document (.wps)',
    '.odt': 'an OpenDocument text (.odt)',
    '.rtf': 'an RTF document',
}
SAVE_AS = 'open it in Word, WPS or LibreOffice and save it as Word document (.docx)'


@dataclass
class Relationship:
    id: str
    type: str
    target: str        # a member name inside the package, or the external target as written
    external: bool


@dataclass
class Package:
    path: object
    zf: zipfile.ZipFile
    notes: list[str] = field(default_factory=list)
    _read: int = 0

    def has(self, name: str) -> bool:
        return name in self.zf.NameToInfo

    def read(self, name: str) -> bytes:
        """A member's bytes, never more than its checked size, whatever it inflates to."""
        info = self.zf.getinfo(name)
        try:
            with self.zf.open(info) as f:
                data = f.read(info.file_size + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, OSError, EOFError) as e:
            raise InputError(f'{name} cannot be unpacked (damaged or unsupported ZIP member: {e})',
                             self.path) from None
        if len(data) > info.file_size:   # zipfile stops at the declared size; be sure
            raise InputError(f'{name} inflates beyond its declared size: a damaged or hostile file',
                             self.path)
        self._read += len(data)
        if self._read > MAX_TOTAL_BYTES:
            raise InputError(f'more than {MAX_TOTAL_BYTES >> 20} MB unpacked: not a manuscript', self.path)
        return data

    def xml(self, name: str) -> Element | None:
        """A member parsed as XML, or None when the package has no such member."""
        if not self.has(name):
            return None
        return parse_xml(self.read(name), name, self)

    def relationships(self, part: str) -> dict[str, Relationship]:
        """The relationships of `part` (word/document.xml → word/_rels/document.xml.rels)."""
        folder, base = posixpath.split(part)
        root = self.xml(posixpath.join(folder, '_rels', base + '.rels'))
        rels = {}
        for el in root if root is not None else []:
            if el.tag != f'{{{REL}}}Relationship':
                continue
            external = el.get('TargetMode', '').lower() == 'external'
            target = el.get('Target', '')
            if not external:
                target = posixpath.normpath(posixpath.join(folder, target)) if not target.startswith('/') \
                    else target.lstrip('/')
            rels[el.get('Id', '')] = Relationship(el.get('Id', ''), el.get('Type', ''), target, external)
        return rels

    def main_part(self) -> str:
        for rel in self.relationships('').values():
            if rel.type in (OFFICE_DOCUMENT, STRICT_OFFICE_DOCUMENT) and not rel.external:
                return rel.target
        if self.has('word/document.xml'):
            return 'word/document.xml'
        raise InputError('this ZIP archive is not a Word document (no word/document.xml)', self.path)


def open_package(path, data: bytes) -> Package:
    """Open a .docx after measuring it; other formats are named with what to do."""
    suffix = str(path).lower().rsplit('.', 1)[-1] if '.' in str(path) else ''
    if data.startswith(OLE2):
        what = OTHER_FORMATS.get('.' + suffix, 'an old Word (.doc), WPS (.wps) or encrypted Word document')
        raise InputError(f'this is {what}, not a .docx: {SAVE_AS} (without a password)', path)
    if data.startswith(b'{\\rtf'):
        raise InputError(f'this is an RTF document, not a .docx: {SAVE_AS}', path)
    if '.' + suffix in OTHER_FORMATS and not data.startswith(b'PK'):
        raise InputError(f'this is {OTHER_FORMATS["." + suffix]}, not a .docx: {SAVE_AS}', path)
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        raise InputError(f'not a readable .docx (damaged ZIP archive: {e})', path) from None
    _measure(infos, path)
    package = Package(path, zf)
    if package.has('mimetype'):
        mimetype = package.read('mimetype')[:100].decode('ascii', 'replace')
        if 'opendocument' in mimetype:
            raise InputError(f'this is an OpenDocument file ({mimetype.strip()}), not a .docx: {SAVE_AS}',
                             path)
    return package


def _measure(infos: list[zipfile.ZipInfo], path) -> None:
    if len(infos) > MAX_MEMBERS:
        raise InputError(f'the archive has {len(infos)} members; a Word document has a few dozen', path)
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise InputError(f'{info.filename} is encrypted: save the document without a password', path)
        if info.file_size > MAX_PART_BYTES:
            raise InputError(f'{info.filename} is {info.file_size >> 20} MB unpacked; parts up to '
                             f'{MAX_PART_BYTES >> 20} MB can be read', path)
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise InputError(f'{info.filename} inflates {info.file_size // max(info.compress_size, 1)}:1 '
                             '(a zip bomb?): refused', path)
        total += info.file_size
    if total > MAX_TOTAL_BYTES:
        raise InputError(f'the archive unpacks to {total >> 20} MB; up to {MAX_TOTAL_BYTES >> 20} MB '
                         'can be read', path)


def parse_xml(data: bytes, name: str, package: Package) -> Element:
    """Parse a part with expat, entities never expanded and depth capped."""
    parser = pyexpat.ParserCreate(namespace_separator='}')
    builder = TreeBuilder()
    depth = 0

    def start(tag, attrs):
        nonlocal depth
        depth += 1
        if depth > MAX_XML_DEPTH:
            raise InputError(f'{name} nests elements more than {MAX_XML_DEPTH} deep (tables inside '
                             'tables?): not a document that can be set', package.path)
        builder.start(_clark(tag), {_clark(k): v for k, v in attrs.items()})

    def end(tag):
        nonlocal depth
        depth -= 1
        builder.end(_clark(tag))

    def doctype(*_):
        package.notes.append(f'{package.path}: {name} declares a DTD, which Word never writes: '
                             'its entities were not expanded')

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = doctype
    # With a default handler, expat hands entity references to it instead of expanding
    # them; they are dropped here. Parameter entities (the external DTD) are never read.
    parser.DefaultHandler = lambda _text: None
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
        return builder.close()
    except pyexpat.ExpatError as e:
        raise InputError(f'{name} is broken XML ({pyexpat.ErrorString(e.code)}, its line {e.lineno})',
                         package.path) from None
    except (AssertionError, IndexError):   # TreeBuilder on a document with no root element
        raise InputError(f'{name} is broken XML (no root element)', package.path) from None


def _clark(name: str) -> str:
    return '{' + name if '}' in name else name
