"""The portal inbox: messages are their recipient's alone, told once per key, copied by email
through Django's backend, and a failing mail server never loses the inbox copy."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from tests.web.conftest import PASSWORD, make_user

from feidi_web.accounts.models import Role
from feidi_web.inbox.models import Message, Topic
from feidi_web.inbox.selectors import unread_count
from feidi_web.inbox.services import Notice, mark_read, notify

pytestmark = pytest.mark.django_db


def _logged_in(user) -> Client:
    c = Client()
    assert c.login(username=user.username, password=PASSWORD)
    return c


def test_notify_writes_once_per_key_and_emails():
    anna = make_user("anna", Role.COUNTY_STAFF, division="320581")
    anna.email = "anna@example.cn"
    anna.save()
    bo = make_user("bo", Role.COUNTY_STAFF, division="320581")  # no address: inbox only
    notice = Notice(
        "会议室明天 09:00", "五道口中心 · 会议室 A", "/space/bookings/", key="booking:1:24h"
    )

    first = notify([anna, bo], Topic.BOOKING_REMINDER, notice)
    again = notify([anna, bo], Topic.BOOKING_REMINDER, notice)

    assert len(first) == 2 and again == []
    assert Message.objects.count() == 2
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["anna@example.cn"]
    assert "/space/bookings/" in mail.outbox[0].body
    assert Message.objects.get(recipient=anna).emailed_at is not None
    assert Message.objects.get(recipient=bo).emailed_at is None


def test_inactive_users_are_not_told_and_foreign_links_are_dropped():
    gone = make_user("gone", Role.COUNTY_STAFF, division="320581")
    gone.is_active = False
    gone.save()
    here = make_user("here", Role.COUNTY_STAFF, division="320581")
    written = notify(
        [gone, here], Topic.POLICY_DIGEST, Notice("s", "b", "https://evil.example/"), email=False
    )
    assert [m.recipient for m in written] == [here]
    assert written[0].link == ""


def test_a_failing_mail_server_keeps_the_inbox_copy(settings):
    settings.EMAIL_BACKEND = "tests.web.test_inbox.BrokenBackend"
    user = make_user("c", Role.COUNTY_STAFF, division="320581")
    user.email = "c@example.cn"
    user.save()
    (message,) = notify([user], Topic.APPLICATION, Notice("s", "b"))
    message.refresh_from_db()
    assert message.emailed_at is None and Message.objects.filter(recipient=user).count() == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs) -> None:
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_a_person_sees_and_marks_only_their_own_messages():
    mine = make_user("mine", Role.COUNTY_STAFF, division="320581")
    theirs = make_user("theirs", Role.COUNTY_STAFF, division="320582")
    (m1,) = notify([mine], Topic.POLICY_DIGEST, Notice("新的政策", "正文一"), email=False)
    (m2,) = notify([theirs], Topic.POLICY_DIGEST, Notice("别人的", "正文二"), email=False)
    c = _logged_in(mine)

    page = c.get("/inbox/").content.decode()
    assert "新的政策" in page and "别人的" not in page
    badge = c.get("/inbox/badge/").content.decode()
    assert 'id="inbox-unread"' in badge and ">1<" in badge

    # marking someone else's message read does nothing to it
    c.post("/inbox/read/", {"message": [str(m2.pk)]})
    m2.refresh_from_db()
    assert m2.read_at is None
    c.post("/inbox/read/", {"message": [str(m1.pk)]})
    assert unread_count(mine) == 0
    assert "inbox-unread" not in c.get("/inbox/badge/").content.decode()


def test_mark_all_read_and_junk_ids():
    user = make_user("u", Role.ENCLAVE_OPERATOR, division="320581")
    for i in range(3):
        notify([user], Topic.BOOKING_REMINDER, Notice(f"s{i}", "b"), email=False)
    c = _logged_in(user)
    assert c.post("/inbox/read/", {"message": ["x", "-1", "9" * 30]}).status_code == 302
    assert unread_count(user) == 3
    c.post("/inbox/read/", {})
    assert unread_count(user) == 0
    assert mark_read(user) == 0


def test_anonymous_callers_log_in_first():
    assert Client().get("/inbox/")["Location"].startswith("/accounts/login")
