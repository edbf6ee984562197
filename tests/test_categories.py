"""Categories: the public tree and flat list, and the admin-only changes to them."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import assert_error, category_id, count
from sqlalchemy import select

from bidbazaar.extensions import db
from bidbazaar.models import Category


def categories_state() -> list[tuple[Any, ...]]:
    db.session.commit()  # a fresh snapshot
    return db.session.execute(
        select(Category.id, Category.name, Category.description, Category.parent_id).order_by(Category.id)
    ).all()


def node(tree: list[dict[str, Any]], name: str) -> dict[str, Any]:
    return next(n for n in tree if n["name"] == name)


# --------------------------------------------------------------------------- reading


def test_the_categories_come_as_a_tree(client):
    tree = client.get("/api/categories").get_json()["categories"]

    assert {"Home Repair", "Cleaning", "Moving & Packing", "Pest Control", "Painting"} <= {n["name"] for n in tree}
    home_repair = node(tree, "Home Repair")
    assert {c["name"] for c in home_repair["subcategories"]} == {"Plumbing", "Electrical", "Carpentry"}
    assert all(c["parent_id"] == home_repair["id"] for c in home_repair["subcategories"])
    assert node(tree, "Painting")["subcategories"] == []


def test_the_tree_holds_every_category_once(client):
    def walk(nodes: list[dict[str, Any]]) -> list[int]:
        return [i for n in nodes for i in [n["id"], *walk(n["subcategories"])]]

    ids = walk(client.get("/api/categories").get_json()["categories"])

    assert sorted(ids) == sorted(c for (c,) in db.session.execute(select(Category.id)))


def test_flat_true_lists_every_category_with_its_parent(client):
    flat = client.get("/api/categories?flat=true").get_json()["categories"]

    assert len(flat) == count(Category)
    plumbing = node(flat, "Plumbing")
    assert plumbing["parent_id"] == category_id("Home Repair")
    assert "subcategories" not in plumbing


def test_an_unknown_flat_value_is_a_400(client):
    assert "flat" in assert_error(client.get("/api/categories?flat=yes"), 400, "VALIDATION_ERROR")["details"]


# --------------------------------------------------------------------------- creating


def test_an_admin_adds_a_subcategory(client, admin, bearer):
    parent = category_id("Home Repair")

    response = client.post("/api/categories", json={"name": "Masonry", "parent_id": parent}, headers=bearer(admin))

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["category"]["parent_id"] == parent
    tree = client.get("/api/categories").get_json()["categories"]
    assert "Masonry" in {c["name"] for c in node(tree, "Home Repair")["subcategories"]}


def test_an_admin_adds_a_top_level_category(client, admin, bearer):
    response = client.post(
        "/api/categories", json={"name": "Gardening", "description": "Lawns and plants"}, headers=bearer(admin)
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["category"]["parent_id"] is None


def test_a_non_admin_cannot_add_a_category(client, customer, bearer):
    before = categories_state()

    assert_error(client.post("/api/categories", json={"name": "Gardening"}, headers=bearer(customer)), 403, "FORBIDDEN")
    assert categories_state() == before


def test_adding_a_category_needs_a_login(client):
    before = categories_state()
    csrf = client.get("/api/auth/csrf").get_json()["csrf_token"]

    response = client.post("/api/categories", json={"name": "Gardening"}, headers={"X-CSRFToken": csrf})

    assert_error(response, 401, "AUTH_REQUIRED")
    assert categories_state() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 5}, "name"),
        ({"name": "Gardening", "parent_id": 424242}, "parent_id"),
        ({"name": "Gardening", "parent_id": "1"}, "parent_id"),
        ({"name": "Gardening", "id": 1}, "id"),
    ],
)
def test_an_invalid_category_is_refused(client, admin, bearer, body, field):
    before = categories_state()

    response = client.post("/api/categories", json=body, headers=bearer(admin))

    assert field in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert categories_state() == before


def test_a_duplicate_name_under_the_same_parent_is_a_conflict(client, admin, bearer):
    before = categories_state()

    response = client.post(
        "/api/categories", json={"name": "plumbing", "parent_id": category_id("Home Repair")}, headers=bearer(admin)
    )

    assert "name" in assert_error(response, 409, "CONFLICT")["details"]
    assert categories_state() == before


def test_the_same_name_under_another_parent_is_fine(client, admin, bearer):
    response = client.post(
        "/api/categories", json={"name": "Plumbing", "parent_id": category_id("Painting")}, headers=bearer(admin)
    )

    assert response.status_code == 201, response.get_json()


# --------------------------------------------------------------------------- editing


def test_an_admin_renames_a_category(client, admin, bearer):
    response = client.put(
        f"/api/categories/{category_id('Carpentry')}", json={"name": "Carpentry & Furniture"}, headers=bearer(admin)
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["category"]["name"] == "Carpentry & Furniture"
    assert response.get_json()["category"]["parent_id"] == category_id("Home Repair")


def test_an_admin_moves_a_category_under_another(client, admin, bearer):
    response = client.put(
        f"/api/categories/{category_id('Painting')}",
        json={"parent_id": category_id("Home Repair")},
        headers=bearer(admin),
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["category"]["parent_id"] == category_id("Home Repair")


def test_an_admin_moves_a_subcategory_to_the_top_level(client, admin, bearer):
    response = client.put(
        f"/api/categories/{category_id('Carpentry')}", json={"parent_id": None}, headers=bearer(admin)
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["category"]["parent_id"] is None


def test_a_category_cannot_move_under_itself(client, admin, bearer):
    home_repair = category_id("Home Repair")
    before = categories_state()

    response = client.put(f"/api/categories/{home_repair}", json={"parent_id": home_repair}, headers=bearer(admin))

    assert "parent_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert categories_state() == before


def test_a_category_cannot_move_under_its_own_subcategory(client, admin, bearer):
    before = categories_state()

    response = client.put(
        f"/api/categories/{category_id('Home Repair')}",
        json={"parent_id": category_id("Plumbing")},
        headers=bearer(admin),
    )

    assert "parent_id" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
    assert categories_state() == before


def test_renaming_onto_a_sibling_name_is_a_conflict(client, admin, bearer):
    before = categories_state()

    response = client.put(
        f"/api/categories/{category_id('Carpentry')}", json={"name": "Electrical"}, headers=bearer(admin)
    )

    assert_error(response, 409, "CONFLICT")
    assert categories_state() == before


def test_a_non_admin_cannot_edit_a_category(client, provider, bearer):
    before = categories_state()

    response = client.put(
        f"/api/categories/{category_id('Plumbing')}", json={"name": "Pipes"}, headers=bearer(provider)
    )

    assert_error(response, 403, "FORBIDDEN")
    assert categories_state() == before


def test_editing_an_unknown_category_is_404(client, admin, bearer):
    before = categories_state()

    assert_error(client.put("/api/categories/424242", json={"name": "Pipes"}, headers=bearer(admin)), 404, "NOT_FOUND")
    assert categories_state() == before


# --------------------------------------------------------------------------- deleting


def test_an_admin_deletes_an_unused_category(client, admin, bearer):
    response = client.delete(f"/api/categories/{category_id('Carpentry')}", headers=bearer(admin))

    assert response.status_code == 200, response.get_json()
    db.session.commit()  # a fresh snapshot
    assert category_id("Carpentry") is None


def test_a_category_used_by_an_auction_cannot_be_deleted(client, admin, bearer, make_auction):
    make_auction(category_id=category_id("Plumbing"))
    before = categories_state()

    response = client.delete(f"/api/categories/{category_id('Plumbing')}", headers=bearer(admin))

    assert assert_error(response, 409, "CONFLICT")["details"]["auctions"] is True
    assert categories_state() == before


def test_a_category_with_subcategories_cannot_be_deleted(client, admin, bearer):
    before = categories_state()

    response = client.delete(f"/api/categories/{category_id('Home Repair')}", headers=bearer(admin))

    assert assert_error(response, 409, "CONFLICT")["details"]["subcategories"] is True
    assert categories_state() == before


def test_a_non_admin_cannot_delete_a_category(client, customer, bearer):
    before = categories_state()

    assert_error(
        client.delete(f"/api/categories/{category_id('Carpentry')}", headers=bearer(customer)), 403, "FORBIDDEN"
    )
    assert categories_state() == before


def test_deleting_an_unknown_category_is_404(client, admin, bearer):
    before = categories_state()

    assert_error(client.delete("/api/categories/424242", headers=bearer(admin)), 404, "NOT_FOUND")
    assert categories_state() == before
