"""`typeset convert`: any manuscript written out as the Markdown (with front matter) that
typeset sets for it, so a Word file can be kept, reviewed and diffed as text.

Building the written .md gives the same PDF, byte for byte, as building the original: the
text is the reader's own Markdown. Images embedded in a .docx stay in it as data: URLs,
each on its own line: WeasyPrint names an image in the PDF after its URL, so a picture
written out to a file would make a different PDF.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import InputError
from ..source import Source, read_source


@dataclass
class Converted:
    output: Path
    notes: list[str] = field(default_factory=list)


def to_markdown(source: Source) -> str:
    """The manuscript as Markdown with front matter."""
    if source.paragraph_map is not None:     # a reader that writes Markdown (.docx)
        return source.text
    front = ''
    if source.meta:
        front = '---\n' + yaml.safe_dump(source.meta, allow_unicode=True, sort_keys=False,
                                         default_flow_style=False, width=1000) + '---\n\n'
    return front + source.body.strip('\n') + '\n'


def convert(source_path, output=None) -> Converted:
    """Write `source_path` as Markdown to `output` (default: beside it, with .md)."""
    from ..render import write_atomically
    source_path = Path(source_path)
    source = read_source(source_path)
    output = Path(output) if output else source_path.with_suffix('.md')
    if output.resolve() == source_path.resolve():
        raise InputError('the Markdown would overwrite the manuscript itself: give another -o', output)
    text = to_markdown(source)
    write_atomically(output, lambda f: f.write(text.encode('utf-8')))
    return Converted(output, list(source.notes))
