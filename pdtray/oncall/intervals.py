"""Joining back-to-back stretches that belong together, shared by timelines and my-shift lists."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def merge_touching(
    items: Iterable[T],
    *,
    same: Callable[[T, T], bool],
    touching: Callable[[T, T], bool],
    join: Callable[[T, T], T],
) -> list[T]:
    """Joins each item into the previous merged one when they are ``same`` and ``touching``; keeps the order.

    PagerDuty splits one person's continuous shift into several entries (two layers, an override at the seam,
    a rotation that hands over to the same person); a person wants to see one shift.
    """
    merged: list[T] = []
    for item in items:
        if merged and same(merged[-1], item) and touching(merged[-1], item):
            merged[-1] = join(merged[-1], item)
        else:
            merged.append(item)
    return merged
