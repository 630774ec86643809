"""Models another module defines: `--models tests.conformance.own_tools` must leave them out."""

from __future__ import annotations

from pydantic import BaseModel


class Unit(BaseModel):
    name: str
    symbol: str


class Search(BaseModel):
    """A second tool named Search, in another module: its row is told apart by the module's name."""

    text: str
