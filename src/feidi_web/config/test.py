"""Settings for the test suite: a throwaway data folder, fast hashing, tasks run inline."""

import os
import tempfile

os.environ.setdefault("FEIDI_DATA_DIR", tempfile.mkdtemp(prefix="feidi-test-"))
os.environ.setdefault("FEIDI_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from feidi_web.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# three failed log-ins (per address or trusted device) are refused; tests/web/test_login.py
# sets the shipped limits (5 and 20) itself
FEIDI_LOGIN_FAILURE_LIMIT = 3
