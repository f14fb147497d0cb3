"""Telling people things: ``notify`` writes an inbox message per recipient and, when asked,
sends the same text by email. A message with a ``key`` is written once per recipient: calling
``notify`` again with the same key (a reminder job run twice, two workers at once) does
nothing for those who have it, so nobody is told one thing twice."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from feidi_web.accounts.models import User
from feidi_web.inbox.models import Message, Topic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Notice:
    """What to tell: subject and body in the recipient's words (the caller renders them in
    the recipient's language), a link to a page of this site, and an optional once-key."""

    subject: str
    body: str
    link: str = ""
    key: str = ""


def notify(
    recipients: Iterable[User], topic: Topic, notice: Notice, *, email: bool = True
) -> list[Message]:
    """Write ``notice`` to each active recipient's inbox (skipping those who already have its
    key) and, with ``email``, send it to those with an address. Returns the messages written.
    A failing mail server never loses the inbox copy: ``emailed_at`` stays empty."""
    written: list[Message] = []
    now = timezone.now()
    for user in recipients:
        if not user.is_active:
            continue
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    recipient=user,
                    topic=topic,
                    subject=notice.subject[:200],
                    body=notice.body,
                    link=notice.link if notice.link.startswith("/") else "",
                    key=notice.key,
                    created_at=now,
                )
        except IntegrityError:
            if notice.key and Message.objects.filter(recipient=user, key=notice.key).exists():
                continue  # told before
            raise
        written.append(message)
        if email and user.email:
            _send(message, user)
    return written


def notify_each(
    recipients: Iterable[User],
    topic: Topic,
    words: Callable[[], Notice],
    *,
    email: bool = True,
) -> list[Message]:
    """``notify`` with the notice written for each recipient in the language they read
    (``User.reading_language``): ``words()`` is called once per language, under it."""
    by_language: dict[str, list[User]] = defaultdict(list)
    for user in recipients:
        by_language[user.reading_language].append(user)
    written: list[Message] = []
    for language, users in sorted(by_language.items()):
        with translation.override(language):
            notice = words()
        written += notify(users, topic, notice, email=email)
    return written


def _send(message: Message, user: User) -> None:
    body = message.body
    if message.link:
        body += f"\n\n{settings.FEIDI_SITE_URL.rstrip('/')}{message.link}"
    try:
        send_mail(message.subject, body, None, [user.email], fail_silently=False)
    except Exception:  # any backend failure: the inbox copy stands
        log.exception("email to %s failed (message %s)", user.pk, message.pk)
        return
    Message.objects.filter(pk=message.pk).update(emailed_at=timezone.now())


def mark_read(user: User, message_ids: Iterable[int] | None = None) -> int:
    """Mark the user's messages read (all unread ones when ``message_ids`` is None)."""
    rows = Message.objects.filter(recipient=user, read_at__isnull=True)
    if message_ids is not None:
        rows = rows.filter(pk__in=list(message_ids))
    return rows.update(read_at=timezone.now())
