"""The job alert pages: /alerts lists a provider's saved searches to rename, edit or delete,
and takes new ones, from its own form or from the "Save these filters as an alert" button
on /auctions (which posts the list's current filters).

Each form is a POST with CSRF that calls exactly one service function (services.alerts);
refusals come back next to their field or as a flashed message.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from bidbazaar import queries, services
from bidbazaar.doors import apply_errors, category_choices, form_values, run_action
from bidbazaar.errors import DomainError
from bidbazaar.forms import ConfirmForm, SavedSearchPageForm
from bidbazaar.provider_models import MAX_SAVED_SEARCHES

alert_pages = Blueprint("alerts", __name__)


def search_form(prefix: str = "", **kwargs: Any) -> SavedSearchPageForm:
    form = SavedSearchPageForm(prefix=prefix, **kwargs)
    form.category_id.choices = category_choices("any category")
    return form


def unprefixed_values(form: SavedSearchPageForm) -> dict[str, Any]:
    """form_values of an edit form, whose inputs are prefixed by the search's id (one page
    holds a form per alert): the rules take the fields' own names."""
    return {
        field.short_name: (None if field.data == "" else field.data)
        for field in form
        if field.short_name != form.meta.csrf_field_name
    }


@alert_pages.get("/alerts")
@login_required
def alerts() -> Any:
    return render_alerts()


def render_alerts(new_form: SavedSearchPageForm | None = None, status: int = 200, **edit_forms: Any) -> Any:
    searches = queries.saved_searches_of(current_user)
    forms = {
        search.id: edit_forms.get(str(search.id)) or search_form(f"s{search.id}", formdata=None, obj=search)
        for search in searches
    }
    return render_template(
        "alerts.html",
        searches=searches,
        forms=forms,
        filters={search.id: queries.listing_filters(search) for search in searches},
        new_form=new_form or search_form(formdata=None),
        delete_form=ConfirmForm(formdata=None),
        limit=MAX_SAVED_SEARCHES,
    ), status


@alert_pages.post("/alerts")
@login_required
def create_alert() -> Any:
    form = search_form()
    if form.validate_on_submit():
        try:
            search = services.create_saved_search(current_user, form_values(form))
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            flash(f'Job alert "{search.name}" saved: new matching jobs will notify you.', "success")
            return redirect(url_for("alerts.alerts"))
    return render_alerts(new_form=form, status=400)


@alert_pages.post("/alerts/<int:search_id>")
@login_required
def update_alert(search_id: int) -> Any:
    form = search_form(f"s{search_id}")
    if form.validate_on_submit():
        try:
            services.update_saved_search(current_user, search_id, unprefixed_values(form))
        except DomainError as exc:
            if exc.code == "NOT_FOUND":
                raise
            apply_errors(form, exc)
        else:
            flash("Job alert updated.", "success")
            return redirect(url_for("alerts.alerts"))
    return render_alerts(status=400, **{str(search_id): form})


@alert_pages.post("/alerts/<int:search_id>/delete")
@login_required
def delete_alert(search_id: int) -> Any:
    return run_action(
        ConfirmForm(),
        lambda: services.delete_saved_search(current_user, search_id),
        "Job alert deleted.",
        url_for("alerts.alerts"),
    )
