"""WSGI entry point: `gunicorn peer_site.wsgi:application` (cwd bench/peers/drf)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")

application = get_wsgi_application()
