"""The bare extensions and the logger: created here, bound by `app.create_app()`."""

from __future__ import annotations

import logging

from flask_cors import CORS
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData

# Named constraints make migrations and IntegrityError messages predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login_manager = LoginManager()
csrf = CSRFProtect()
cors = CORS()
socketio = SocketIO()
# render_as_batch: SQLite cannot ALTER most things in place; Alembic copies the table.
migrate = Migrate(render_as_batch=True, compare_type=True)

log = logging.getLogger("bidbazaar")
