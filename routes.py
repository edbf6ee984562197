"""Server-rendered pages (the admin console and full pages come with the pages issue)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

import accounts
from errors import DomainError
from forms import LoginForm

pages = Blueprint("pages", __name__)


@pages.get("/")
def index() -> Any:
    return render_template("index.html")


@pages.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(form.username.data, form.password.data)
        except DomainError as exc:
            form.password.errors.append(exc.message)
        else:
            accounts.start_session(user)
            flash(f"Welcome back, {user.username}.", "success")
            return redirect(_safe_next(request.args.get("next")))
    return render_template("login.html", form=form)


@pages.post("/logout")
def logout() -> Any:
    if current_user.is_authenticated:
        accounts.end_current_credential()
    flash("You have been logged out.", "info")
    return redirect(url_for("pages.index"))


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("pages.index")
