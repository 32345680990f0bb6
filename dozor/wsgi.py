import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dozor.settings")
application = get_wsgi_application()

# gunicorn runs no system checks: refuse to start here if a field-encryption key is not the one
# that encrypted the data (dozor.core.canary; runserver and migrate refuse through dozor.E001).
from dozor.core.canary import key_canary_refuse_start  # noqa: E402

key_canary_refuse_start()
