import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup(set_prefix=False)

# Django's WSGI handler, with the read API's requests run through only the middleware they use.
from config.handlers import NamespaceDispatchingApplication  # noqa: E402 - after django.setup()

application = NamespaceDispatchingApplication()
