"""The category taxonomy: create, rename or move a category, and delete an unused one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bidbazaar.errors import DomainError
from bidbazaar.extensions import db
from bidbazaar.models import Auction, Category
from bidbazaar.services.ledger import commit_or_conflict


def save_category(data: dict[str, Any], category: Category | None = None) -> Category:
    """Create a category, or rename/move one (never under itself or its own subtree)."""
    parent_id = data.get("parent_id", category.parent_id if category else None)
    if parent_id is not None:
        if db.session.get(Category, parent_id) is None:
            raise DomainError("VALIDATION_ERROR", "Validation failed", {"parent_id": "Unknown category."})
        if category is not None and _is_in_subtree(parent_id, category.id):
            raise DomainError(
                "VALIDATION_ERROR", "Validation failed", {"parent_id": "A category cannot move under itself."}
            )
    name = data.get("name", category.name if category else None)
    if name is not None and ("name" in data or "parent_id" in data):
        _ensure_unique_sibling(name, parent_id, category)
    category = category or Category()
    for field in ("name", "description", "parent_id"):
        if field in data:
            setattr(category, field, data[field])
    db.session.add(category)
    commit_or_conflict()
    return category


def _ensure_unique_sibling(name: str, parent_id: int | None, category: Category | None) -> None:
    """Two "Plumbing" under one parent would split its auctions between look-alikes."""
    same_parent = Category.parent_id.is_(None) if parent_id is None else Category.parent_id == parent_id
    clash = select(Category.id).where(same_parent, func.lower(Category.name) == name.lower())
    if category is not None and category.id is not None:
        clash = clash.where(Category.id != category.id)
    if db.session.scalar(clash.limit(1)) is not None:
        raise DomainError("CONFLICT", "A category with this name already exists there", {"name": "Already used here."})


def _is_in_subtree(candidate_id: int, root_id: int) -> bool:
    current: int | None = candidate_id
    while current is not None:
        if current == root_id:
            return True
        current = db.session.scalar(select(Category.parent_id).where(Category.id == current))
    return False


def delete_category(category: Category) -> None:
    """Refused with CONFLICT, naming the category and what holds it, while auctions or
    subcategories still use it ("Plumbing is used by 3 auctions")."""
    auctions = db.session.scalar(select(func.count()).where(Auction.category_id == category.id)) or 0
    children = db.session.scalar(select(func.count()).where(Category.parent_id == category.id)) or 0
    if auctions or children:
        holds = [f"is used by {_counted(auctions, 'auction')}"] if auctions else []
        holds += [f"has {_counted(children, 'subcategory', 'subcategories')}"] if children else []
        raise DomainError(
            "CONFLICT",
            f"{category.name} {' and '.join(holds)}, so it cannot be deleted",
            {"auctions": bool(auctions), "subcategories": bool(children)},
        )
    db.session.delete(category)
    commit_or_conflict()


def _counted(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
