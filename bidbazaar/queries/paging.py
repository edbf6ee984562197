"""Paging shared by the read side's listings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bidbazaar.extensions import db

MAX_PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    """One page of a listing, with the total it was cut from."""

    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pagination(self) -> dict[str, int]:
        """The API's "pagination" object."""
        pages = (self.total + self.per_page - 1) // self.per_page if self.total else 0
        return {"page": self.page, "per_page": self.per_page, "total": self.total, "pages": pages}


def page_size(requested: int | None, default: int) -> int:
    """per_page above 100 is clamped to 100, never an error."""
    return min(requested or default, MAX_PER_PAGE)


def paginate(stmt: Any, page: int, per_page: int) -> Page:
    """One page of an ORM statement's results, with the total count of all of them."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).unique().all()
    return Page(list(items), page, per_page, total or 0)


def like(text: str) -> str:
    """A LIKE pattern matching `text` anywhere, its wildcards escaped (use escape="\\")."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
