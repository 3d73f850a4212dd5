"""Inter-character justification of a whole line, across inline boxes.

Replaces ``weasyprint.layout.inline.justify_line``, which only widens spaces
(through ``add_word_spacing`` and ``Layout.set_text(justify=True)``): Chinese
has no spaces, so its lines were never flush.  Here the slack goes into the
gaps *between* glyphs: every gap that touches a wide (CJK) character, and every
space; Latin letters keep their spacing; nothing is added after the line's last
glyph, so it ends on the edge.  The gaps are counted over the whole line, so a
bold run-in sentence followed by plain text is justified as one line.
"""
from weasyprint.formatting_structure import boxes

from . import breaker
from .. import chars as C
from .linebreak import CJKLayout, Plan, flex_gap, gap_weight, plan_widths, settings_for, shape


def _leaves(box, out):
    for child in box.children:
        if not child.is_in_normal_flow():
            continue
        if isinstance(child, boxes.TextBox):
            out.append(child)
        elif isinstance(child, boxes.InlineBox):
            _leaves(child, out)
        else:
            out.append(child)
    return out


def _ensure_plan(context, box):
    """A text box laid out by WeasyPrint's own splitter gets a plan now."""
    layout = box.pango_layout
    if isinstance(layout, CJKLayout) and layout.plan is not None:
        return layout.plan
    shaped = shape(box.text, box.style, context)
    adv, xoff, _, _, _ = plan_widths(shaped, box.style, settings_for(box.style))
    layout = shaped.layout
    layout.plan = Plan(box.text, adv, xoff)
    layout.max_width = getattr(box.pango_layout, 'max_width', None)
    layout.deactivate()
    box.pango_layout = layout
    return layout.plan


def justify_line(context, line, extra_width):
    leaves = _leaves(line, [])
    # (plan, index, char) in line order; atomic boxes are an opaque wide char.
    sequence = []
    joined = False
    sizes = {}
    for leaf in leaves:
        if isinstance(leaf, boxes.TextBox):
            if not leaf.text:
                continue
            plan = _ensure_plan(context, leaf)
            sizes[id(plan)] = leaf.style['font_size']
            # remove_last_whitespace shortens box.text but not the layout.
            for index, char in enumerate(leaf.text[:len(plan.text)]):
                # A word joiner (a heading's word kept whole) has no width: no gap of
                # its own, the space goes after the character before it.
                if char != C.WORD_JOINER:
                    sequence.append((plan, index, char))
                else:
                    joined = True
        else:
            sequence.append((None, None, '\u2e80'))
    extra_width += _pairs_across_boxes(sequence, sizes)
    # nowhere to put space after an atomic box
    weights = [0 if plan is None else gap_weight(sequence[k - 1][2] if k else None, a, b)
               for k, ((plan, _, a), (_, _, b)) in enumerate(zip(sequence, sequence[1:]))]
    total = sum(weights)
    if not total:
        return
    share = extra_width / total
    if joined and share > breaker.LOOSE_EM * 0.98 * line.style['font_size']:
        # A heading broken between words (its words held by joiners) in a narrow column:
        # spaced out it would be loose; a heading is never letter-spaced wide, so the room
        # of the word carried over stays at the line's end.
        return
    em = settings_for(line.style).cell or line.style['font_size']
    limit = breaker.spread_limit(em)
    caps = opened = None
    if share > limit:
        # past the limit the gaps that may open first do (breaker.spread): how wide each
        caps = [flex_gap(a, b) if weight else 0
                for weight, (_, _, a), (_, _, b) in zip(weights, sequence, sequence[1:])]
        flex = sum(1 for cap in caps if cap)
        if flex:
            share, opened, _ = breaker.spread(extra_width, total, flex, sum(caps), em)
    if opened:
        for (plan, index, _), weight, cap in zip(sequence, weights, caps):
            if weight and plan is not None:
                wider = opened * (cap * em - limit) if cap else 0.0
                plan.extra[index] += (share + wider) * weight
    else:
        for (plan, index, _), weight in zip(sequence, weights):
            if weight and plan is not None:
                plan.extra[index] += share * weight
    _shift(line, 0.0, {id(leaf) for leaf in leaves})


def _pairs_across_boxes(sequence, sizes):
    """Adjacent marks in two text boxes (a run-in heading's 。 and the text's “ after it)
    were planned each in its box, a full cell each: bring their inks to half a cell apart
    as ``plan_widths`` does inside a box (clreq 3.1.6). Returns the width freed."""
    freed = 0.0
    for (plan, index, a), (other, at, b) in zip(sequence, sequence[1:]):
        if plan is None or other is None or plan is other:
            continue
        if a not in C.BLANK_RIGHT or b not in C.BLANK_LEFT:
            continue
        if plan.adv[index] < 0.9 * sizes[id(plan)] or other.adv[at] < 0.9 * sizes[id(other)]:
            continue    # set half width already (开明式, a pair inside the box)
        half = plan.adv[index] / 2
        plan.extra[index] -= half
        freed += half
    return freed


def _shift(box, x_advance, _leaf_ids):
    """Move boxes right by the justification added before them; widen them."""
    if isinstance(box, boxes.TextBox):
        box.position_x += x_advance
        layout = box.pango_layout
        if isinstance(layout, CJKLayout) and layout.plan is not None:
            added = sum(layout.plan.extra)
            box.width += added
            x_advance += added
        return x_advance
    if isinstance(box, (boxes.LineBox, boxes.InlineBox)):
        box.position_x += x_advance
        before = x_advance
        for child in box.children:
            if child.is_in_normal_flow():
                x_advance = _shift(child, x_advance, _leaf_ids)
        box.width += x_advance - before
        return x_advance
    box.translate(x_advance, 0)
    return x_advance
