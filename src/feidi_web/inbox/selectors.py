"""A person's inbox: only ever their own messages."""

from __future__ import annotations

from django.db.models import QuerySet

from feidi_web.accounts.models import User
from feidi_web.inbox.models import Message


def messages_of(user: User) -> QuerySet[Message]:
    return Message.objects.filter(recipient=user)


def unread_count(user: User) -> int:
    return messages_of(user).filter(read_at__isnull=True).count()
