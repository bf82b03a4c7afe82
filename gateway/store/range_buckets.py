"""Hierarchical buckets over whole numbers, so that any range, open-ended or not, is a short list of keys.

A grid has levels of aligned blocks, each level's width a multiple of the one below (years, decades,
centuries, millennia for dates; 1, 10, ..., 10^6 for numbers). A stored value touching [first, last] is keyed
by every block it touches on every level. A range query is keyed by the fewest blocks that cover it (the
segment-tree decomposition: partial blocks at the edges on fine levels, whole blocks inside on coarse ones),
so a value inside the range shares at least one key with it, and the cover stays below ~20 keys per level
however wide the range.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Grid:
    """Levels as (key label, block width), finest first; values outside [low, high] fall in the edge blocks'
    `below` / `above` keys, which any query reaching past that edge includes."""

    levels: tuple[tuple[str, int], ...]
    low: int
    high: int
    below: str
    above: str

    def _blocks(self, label: str, width: int, first: int, last: int) -> list[str]:
        return [f"{label}{block}" for block in range(first // width, last // width + 1)]

    def touched(self, first: int, last: int) -> list[str]:
        """The keys of a value touching [first, last] (first <= last): every block, every level."""
        keys = [self.below] if first < self.low else []
        inside_first, inside_last = max(first, self.low), min(last, self.high)
        if inside_first <= inside_last:
            for label, width in self.levels:
                keys += self._blocks(label, width, inside_first, inside_last)
        return keys + ([self.above] if last > self.high else [])

    def cover(self, first: int, last: int) -> list[str]:
        """The fewest block keys whose union covers [first, last] (first <= last)."""
        keys = [self.below] if first < self.low else []
        edge_above = last > self.high
        first, last = max(first, self.low), min(last, self.high)
        for index, (label, width) in enumerate(self.levels):
            if first > last:
                break
            if index == len(self.levels) - 1:
                keys += self._blocks(label, width, first, last)
                break
            coarser = self.levels[index + 1][1]
            if first % coarser:  # the left edge up to the next coarser boundary, in blocks of this level
                edge_end = min(last, first - first % coarser + coarser - 1)
                keys += self._blocks(label, width, first, edge_end)
                first = edge_end + 1
            if first <= last and (last + 1) % coarser:  # the right edge, likewise
                edge_start = max(first, last + 1 - (last + 1) % coarser)
                keys += self._blocks(label, width, edge_start, last)
                last = edge_start - 1
        return keys + ([self.above] if edge_above else [])
