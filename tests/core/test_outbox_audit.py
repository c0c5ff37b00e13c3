"""The outbox (kept or sent over SMTP) and the audit log (same transaction as the change)."""

import socket
import socketserver
import threading

import pytest
from sqlalchemy import select

from harkop.audit import AuditLog, history_for, record_audit
from harkop.extensions import db
from harkop.outbox import OutboxMessage, notifications_for, queue_message, send_pending


def test_without_smtp_messages_are_kept_and_listed(app, client, login_as):
    """With no SMTP server configured, messages are kept and shown to the office."""
    queue_message(kind="test", subject="Halo", body="Isi", to_address="a@example.org")
    counts = send_pending()
    assert counts["kept"] == 1
    login_as("admin")
    assert "Halo" in client.get("/admin/outbox").get_data(as_text=True)


def test_sending_twice_sends_nothing_twice(app):
    """send_pending only touches pending messages."""
    queue_message(kind="test", subject="Sekali", body="x", to_address="a@example.org")
    assert send_pending()["kept"] == 1
    assert send_pending() == {"sent": 0, "kept": 0, "failed": 0}


class _SmtpSink(socketserver.StreamRequestHandler):
    """A minimal SMTP server that accepts every message and keeps it."""

    received: list[bytes] = []

    def handle(self):
        self.wfile.write(b"220 sink ESMTP\r\n")
        data_mode = False
        body = b""
        while True:
            line = self.rfile.readline()
            if not line:
                return
            if data_mode:
                if line == b".\r\n":
                    _SmtpSink.received.append(body)
                    data_mode = False
                    self.wfile.write(b"250 ok\r\n")
                else:
                    body += line
                continue
            cmd = line.strip().upper()
            if cmd.startswith(b"EHLO") or cmd.startswith(b"HELO"):
                self.wfile.write(b"250 sink\r\n")
            elif cmd == b"DATA":
                data_mode = True
                self.wfile.write(b"354 go\r\n")
            elif cmd == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpSink)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _SmtpSink.received = []
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_messages_are_sent_over_smtp_when_configured(app, smtp_server):
    """With SMTP configured, a pending e-mail is delivered and marked sent."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server, MAIL_STARTTLS=False)
    try:
        message = queue_message(kind="test", subject="Undangan", body="Isi pesan", to_address="a@example.org")
        assert send_pending()["sent"] == 1
        assert message.status == "sent" and message.sent_at is not None
        assert b"Undangan" in _SmtpSink.received[0]
    finally:
        app.config.update(MAIL_SERVER=None)


def test_unreachable_smtp_keeps_the_message_pending(app):
    """A failed delivery is retried later, with the error recorded."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_STARTTLS=False)
    try:
        message = queue_message(kind="test", subject="x", body="y", to_address="a@example.org")
        send_pending()
        assert message.status == "pending" and message.attempts == 1 and message.last_error
    finally:
        app.config.update(MAIL_SERVER=None)


def test_in_app_notifications_reach_their_user(client, login_as):
    """A message for a user is listed on their notifications page."""
    user = login_as("coop_rep")
    queue_message(kind="test", subject="Pendaftaran dikonfirmasi", body="Tim Anda terdaftar.", user=user)
    db.session.commit()
    assert notifications_for(user)[0].subject == "Pendaftaran dikonfirmasi"
    assert "Pendaftaran dikonfirmasi" in client.get("/notifikasi").get_data(as_text=True)


def test_audit_entry_keeps_before_and_after(make_user):
    """An audit entry stores who, what, when, before and after."""
    admin = make_user("admin")
    entry = record_audit(
        "x.change", entity_type="thing", entity_id=7, by=admin, before={"a": 1}, after={"a": 2}
    )
    assert entry.actor_name == admin.username and entry.before == {"a": 1} and entry.after == {"a": 2}
    assert history_for("thing", 7)[0].id == entry.id


def test_audit_entry_rolls_back_with_the_change(app):
    """The log is written in the change's transaction: a rollback removes both."""
    record_audit("x.rolled_back", entity_type="thing", entity_id=1)
    db.session.rollback()
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "x.rolled_back")) is None


def test_outbox_message_rolls_back_with_the_change(app):
    """A message queued in a failed transaction is not sent."""
    queue_message(kind="x", subject="hilang", body="b")
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.subject == "hilang")) is None
