"""The admin users table: filters by role and state, the dashboard's links open exactly the
users they count, sortable columns, and paging that keeps the filters."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from console_helpers import user_rows
from helpers import html

from bidbazaar import queries
from bidbazaar.models import User


def dashboard_link(client: Any, figure: str) -> tuple[str, int]:
    """(href, number) of the dashboard figure marked data-figure=`figure`."""
    page = html(client.get("/admin/"))
    found = re.search(rf'<a href="([^"]+)" data-figure="{figure}">(\d+)</a>', page)
    assert found, figure
    return found.group(1).replace("&amp;", "&"), int(found.group(2))


def test_awaiting_verification_opens_exactly_the_unverified_providers(
    client: Any, admin_token: str, make_user: Callable[..., User]
) -> None:
    make_user("waiting1", provider=True)
    make_user("waiting2", provider=True, active=False)
    make_user("checked", provider=True, verified=True)
    make_user("plainbuyer")

    href, number = dashboard_link(client, "unverified_providers")

    assert href == "/admin/users?role=provider&state=unverified"
    rows = user_rows(client, href)
    assert sorted(rows) == ["waiting1", "waiting2"]
    assert number == len(rows) == queries.admin_counts()["unverified_providers"]


def test_deactivated_opens_exactly_the_deactivated_users(
    client: Any, admin_token: str, make_user: Callable[..., User]
) -> None:
    make_user("gone1", active=False)
    make_user("gone2", provider=True, active=False)
    make_user("here")

    href, number = dashboard_link(client, "deactivated_users")

    assert sorted(user_rows(client, href)) == ["gone1", "gone2"]
    assert number == 2


def test_the_role_filter_keeps_customers_providers_or_admins(
    client: Any, admin_token: str, make_user: Callable[..., User]
) -> None:
    make_user("buyer")
    make_user("fixer", provider=True)

    assert user_rows(client, "/admin/users?role=customer") == ["buyer"]
    assert user_rows(client, "/admin/users?role=provider") == ["fixer"]
    assert user_rows(client, "/admin/users?role=admin") == ["root"]


def test_an_unknown_filter_value_is_a_message_not_a_list(client: Any, admin_token: str) -> None:
    response = client.get("/admin/users?role=wizard")
    assert 'id="user-table"' not in html(response)
    assert "Please correct the filters." in html(response)


def test_sorting_by_username_both_ways(client: Any, admin_token: str, make_user: Callable[..., User]) -> None:
    for name in ("bina", "Chetan", "arun"):
        make_user(name)

    assert user_rows(client, "/admin/users?role=customer&sort=username&dir=asc") == ["arun", "bina", "Chetan"]
    assert user_rows(client, "/admin/users?role=customer&sort=username&dir=desc") == ["Chetan", "bina", "arun"]


def test_the_sorted_column_carries_aria_sort_and_its_link_reverses_it(client: Any, admin_token: str) -> None:
    page = html(client.get("/admin/users?role=admin&sort=username&dir=asc"))

    header = re.search(r'<th scope="col" aria-sort="ascending"><a href="([^"]+)"', page)
    assert header, page
    assert header.group(1).replace("&amp;", "&") == "/admin/users?role=admin&sort=username&dir=desc"
    assert page.count("aria-sort=") == 1


def test_paging_keeps_the_filters_and_the_sort(client: Any, admin_token: str, make_user: Callable[..., User]) -> None:
    for n in range(25):
        make_user(f"prov{n:02d}", provider=True)
    make_user("buyer")

    first = html(client.get("/admin/users?role=provider&sort=username&dir=asc"))
    following = re.search(r'<a href="([^"]+)" rel="next">', first)

    assert following, first
    assert following.group(1).replace("&amp;", "&") == "/admin/users?role=provider&sort=username&dir=asc&page=2"
    assert user_rows(client, following.group(1).replace("&amp;", "&")) == [f"prov{n:02d}" for n in range(20, 25)]


def test_each_username_links_to_its_detail_page(client: Any, admin_token: str, provider: User) -> None:
    page = html(client.get("/admin/users?role=provider"))
    assert f'href="/admin/users/{provider.id}"' in page
