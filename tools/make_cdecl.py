"""Write src/typeset/cjk/cdecl.py: WeasyPrint's C declarations (`text/ffi.py`), parsed
once here instead of in every build.

cffi's in-line mode parses WeasyPrint's 450 lines of declarations with pycparser when
WeasyPrint is imported (0.04 s), and again every C type named in a string
(``ffi.new('hb_codepoint_t[586]')``: 22 of them on the seed, each parsed beside a
typedef of every declared type, 0.1 s). cffi's out-of-line ABI mode keeps the parsed
declarations as data and reads type names with its C parser. This writes that data
(cffi's own `emit_python_code`, no compiler) with the digest of the declarations it was
made from; `patches.import_weasyprint` uses it only when WeasyPrint declares exactly
that. Run it again after WeasyPrint or cffi is upgraded (a test says when):

    .venv/bin/python tools/make_cdecl.py
"""
import importlib.util
import pprint
import sys
import tempfile
from pathlib import Path

import cffi

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'src'))
from typeset.cjk.patches import cdef_digest  # noqa: E402

TARGET = Path(__file__).resolve().parents[1] / 'src' / 'typeset' / 'cjk' / 'cdecl.py'
NAME = 'typeset_weasyprint_ffi'


def weasyprint_cdef() -> str:
    """The text WeasyPrint gives `ffi.cdef`, read by running its module with a cffi
    that records it (the libraries are loaded as usual)."""
    spec = importlib.util.find_spec('weasyprint.text.ffi')
    recorded = []

    class Recording(cffi.FFI):
        def cdef(self, csource, *args, **kwargs):
            recorded.append(csource)
            return super().cdef(csource, *args, **kwargs)

    real, cffi.FFI = cffi.FFI, Recording
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        cffi.FFI = real
    if len(recorded) != 1:
        sys.exit(f'expected one ffi.cdef in {spec.origin}, found {len(recorded)}')
    return recorded[0]


def parsed(csource: str) -> dict:
    """The keyword arguments cffi's out-of-line module gives `_cffi_backend.FFI`."""
    builder = cffi.FFI()
    builder.cdef(csource)
    builder.set_source(NAME, None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f'{NAME}.py'
        builder.emit_python_code(str(path))
        code = path.read_text()
    made = {}

    class Backend:
        @staticmethod
        def FFI(name, **kwargs):  # noqa: N802  (the name cffi's generated code calls)
            made.update(kwargs, _name=name)

    code = code.replace('import _cffi_backend', '')
    exec(compile(code, str(path), 'exec'), {'_cffi_backend': Backend})  # noqa: S102
    return made


def main() -> int:
    import weasyprint
    csource = weasyprint_cdef()
    args = parsed(csource)
    name = args.pop('_name')
    lines = [
        f'"""WeasyPrint {weasyprint.__version__}\'s C declarations (weasyprint/text/ffi.py), parsed',
        'ahead of time for cffi\'s out-of-line ABI mode. Written by tools/make_cdecl.py',
        f'with cffi {cffi.__version__}; do not edit."""',
        '# flake8: noqa',
        '',
        f'DIGEST = {cdef_digest(csource)!r}  # of the declarations these were parsed from',
        f'NAME = {name!r}',
        'ARGS = {',
    ]
    for key, value in args.items():
        text = pprint.pformat(value, width=92)
        lines.append(f'    {key!r}: ' + text.replace('\n', '\n' + ' ' * (len(repr(key)) + 6)) + ',')
    lines += ['}', '']
    TARGET.write_text('\n'.join(lines), encoding='utf-8')
    print(f'{TARGET}: {len(csource)} characters of declarations, digest {cdef_digest(csource)}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
