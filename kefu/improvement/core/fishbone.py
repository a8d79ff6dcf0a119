"""The geometry of a fishbone (Ishikawa) diagram, Django-free: a horizontal spine ending
in the head (the effect: the problem and its root cause), the categories' bones slanting
into the spine, half above and half below, and each category's causes as short ribs
along its bone. The page draws it as inline SVG from these numbers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

RIB = 22  # vertical distance between two causes on a bone
MIN_BONE = 110  # the bone's height with few causes
BONE_SLANT = 70  # how far right the bone's foot is from its outer end
BONE_GAP = 230  # horizontal distance between neighbouring bones
MARGIN = 30
HEAD_WIDTH = 190
LABEL = 24  # room for the category's name beyond the bone's outer end
MAX_CHARS = 12  # a cause's text on the diagram (the full text is its tooltip)


@dataclass(frozen=True)
class Rib:
    x: int  # where the rib meets the bone
    y: int
    text: str  # shortened to MAX_CHARS
    full: str


@dataclass(frozen=True)
class Bone:
    category: str
    label: str
    x1: int  # outer end (label side)
    y1: int
    x2: int  # foot on the spine
    y2: int
    label_y: int
    ribs: tuple[Rib, ...]


@dataclass(frozen=True)
class Diagram:
    width: int
    height: int
    spine_y: int
    spine_x1: int
    spine_x2: int
    head_x: int
    bones: tuple[Bone, ...]


def shorten(text: str, limit: int = MAX_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def layout(categories: Sequence[tuple[str, str]], causes: Mapping[str, Sequence[str]]) -> Diagram:
    """`categories`: (key, label) in order, the first half drawn above the spine, the
    rest below; `causes`: key → cause texts (top to bottom along the bone)."""
    above = list(categories[: (len(categories) + 1) // 2])
    below = list(categories[len(above) :])

    def height(group: list[tuple[str, str]]) -> int:
        most = max((len(causes.get(key, ())) for key, _ in group), default=0)
        return max(MIN_BONE, RIB * (most + 1))

    up, down = height(above), height(below)
    spine_y = MARGIN + LABEL + up
    columns = max(len(above), len(below), 1)
    spine_x1 = MARGIN
    spine_x2 = MARGIN + BONE_SLANT + columns * BONE_GAP
    bones: list[Bone] = []
    for side, group, length in ((-1, above, up), (1, below, down)):
        for i, (key, label) in enumerate(group):
            x2 = MARGIN + BONE_SLANT + (i + 1) * BONE_GAP - 40
            x1 = x2 - BONE_SLANT
            y1 = spine_y + side * length
            texts = [c for c in causes.get(key, ()) if c.strip()]
            ribs = []
            for j, text in enumerate(texts):
                # along the bone from its outer end towards the spine
                t = (j + 1) / (len(texts) + 1)
                ribs.append(
                    Rib(
                        x=round(x1 + (x2 - x1) * t),
                        y=round(y1 + (spine_y - y1) * t),
                        text=shorten(text),
                        full=" ".join(text.split()),
                    )
                )
            bones.append(
                Bone(
                    category=key,
                    label=label,
                    x1=x1,
                    y1=y1,
                    x2=x2,
                    y2=spine_y,
                    label_y=y1 - 8 if side < 0 else y1 + 18,
                    ribs=tuple(ribs),
                )
            )
    return Diagram(
        width=spine_x2 + HEAD_WIDTH + MARGIN,
        height=spine_y + down + LABEL + MARGIN,
        spine_y=spine_y,
        spine_x1=spine_x1,
        spine_x2=spine_x2,
        head_x=spine_x2,
        bones=tuple(bones),
    )
