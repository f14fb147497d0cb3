"""Settings for the test suite: a throwaway data folder, fast hashing, tasks run inline."""

import os
import tempfile

os.environ.setdefault("FEIDI_DATA_DIR", tempfile.mkdtemp(prefix="feidi-test-"))
os.environ.setdefault("FEIDI_TASK_BACKEND", "django_tasks.backends.immediate.ImmediateBackend")

from feidi_web.config.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_FAILURE_LIMIT = 3
