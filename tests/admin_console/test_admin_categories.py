"""Categories in use: no Delete button, and the refusal names the category and its use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from console_helpers import post
from helpers import category_id, fresh, html

from bidbazaar import services
from bidbazaar.errors import DomainError
from bidbazaar.models import Auction, Category


def tree_row(page: str, ident: int) -> str:
    return page.split(f'data-category-id="{ident}"')[1].split("</div>")[0]


def test_a_category_in_use_has_no_delete_button(client: Any, admin_token: str, auction: Auction) -> None:
    page = html(client.get("/admin/categories"))
    assert "Delete" not in tree_row(page, category_id("Plumbing"))
    assert "Delete" in tree_row(page, category_id("Carpentry"))


def test_a_category_with_subcategories_has_no_delete_button(client: Any, admin_token: str) -> None:
    assert "Delete" not in tree_row(html(client.get("/admin/categories")), category_id("Home Repair"))


def test_the_refusal_names_the_category_and_how_many_auctions_use_it(
    app: Any, make_auction: Callable[..., Auction]
) -> None:
    for _ in range(3):
        make_auction()
    with pytest.raises(DomainError) as refused:
        services.delete_category(fresh(Category, category_id("Plumbing")))
    assert refused.value.message == "Plumbing is used by 3 auctions, so it cannot be deleted"
    assert refused.value.details == {"auctions": True, "subcategories": False}


def test_the_refusal_names_a_parent_and_its_subcategories(app: Any) -> None:
    with pytest.raises(DomainError) as refused:
        services.delete_category(fresh(Category, category_id("Home Repair")))
    assert refused.value.message == "Home Repair has 3 subcategories, so it cannot be deleted"


def test_the_admin_page_flashes_the_named_refusal(client: Any, admin_token: str, auction: Auction) -> None:
    post(client, f"/admin/categories/{auction.category_id}/delete", admin_token)
    assert "Plumbing is used by 1 auction, so it cannot be deleted" in html(client.get("/admin/categories"))
    assert fresh(Category, auction.category_id) is not None
