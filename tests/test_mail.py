"""--eml: the handbook as an email draft any mail client opens, with the PDF attached."""

from email import policy
from email.parser import BytesParser

import pytest

import printbook
from printbook import mail

from conftest import EXAMPLE, PLACES, pdf_of

pytestmark = pytest.mark.e2e


def test_the_draft_holds_the_pdf_and_says_what_it_is(tmp_path, monkeypatch):
    monkeypatch.setattr(mail, "LARGEST_ATTACHMENT", 50_000)  # the example's PDF is larger
    report = printbook.build(str(EXAMPLE), str(tmp_path / "out"), eml=True, questions="1-4",
                             cache_dir=str(tmp_path / "cache"))
    [eml] = [w.path for w in report.written if w.kind == "eml"]
    message = BytesParser(policy=policy.default).parse(eml.open("rb"))
    assert message["X-Unsent"] == "1" and message["Subject"] == f"{report.book.title}: interviewer handbook"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == pdf_of(report).name
    assert attachment.get_content() == pdf_of(report).read_bytes()
    text = message.get_body(("plain",)).get_content()
    assert "4 questions in 1 section" in text and "4 questions among questions 1–4, of 12" in text
    assert "Section 1: Service Design" in message.get_body(("html",)).get_content()
    [warning] = [d for d in report.diagnostics if d.code == "mail.size"]
    assert "mail servers often refuse attachments over 10 MB" in warning.message


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives and takes one login."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult

    received = []

    class Keeper:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope)
            return "250 kept"

    def authenticator(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=(auth_data.login, auth_data.password) == (b"trainer", b"s3cret"), handled=False)

    controller = Controller(Keeper(), hostname="127.0.0.1", port=free_port(), authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


def test_send_delivers_the_handbook_through_smtp(tmp_path, smtp_server):
    import subprocess
    import sys

    port, received = smtp_server
    (tmp_path / "guide.md").write_text(PLACES)
    (tmp_path / "printbook.toml").write_text(
        'documents = ["guide.md"]\neml = true\n[email]\nhost = "127.0.0.1"\n'
        f'port = {port}\nstarttls = false\nuser = "trainer"\nsender = "handbooks@example.org"\n'
        'to = ["panel@example.org"]\n')

    def printbook_(*args, **env):
        return subprocess.run([sys.executable, "-m", "printbook", *args], cwd=tmp_path, capture_output=True, text=True,
                              env={**__import__("os").environ, **env}, timeout=300)

    assert printbook_("build", "-q").returncode == 0
    no_password = printbook_("send", PRINTBOOK_SMTP_PASSWORD="")
    assert no_password.returncode == 2 and "set the environment variable PRINTBOOK_SMTP_PASSWORD" in no_password.stderr
    wrong = printbook_("send", PRINTBOOK_SMTP_PASSWORD="guess")
    assert wrong.returncode == 2 and "refused the login of trainer" in wrong.stderr and not received
    sent = printbook_("send", "--to", "lead@example.org", PRINTBOOK_SMTP_PASSWORD="s3cret")
    assert sent.returncode == 0, sent.stderr
    assert f"through 127.0.0.1:{port}" in sent.stdout
    [envelope] = received
    assert envelope.mail_from == "handbooks@example.org" and envelope.rcpt_tos == ["lead@example.org"]
    message = BytesParser(policy=policy.default).parsebytes(envelope.original_content)
    assert message["X-Unsent"] is None and message["Message-ID"] and message["Date"]
    [attachment] = list(message.iter_attachments())
    [pdf] = (tmp_path / "out").glob("*.pdf")
    assert attachment.get_filename() == pdf.name and attachment.get_content() == pdf.read_bytes()


def test_a_password_in_the_configuration_is_refused(tmp_path):
    from printbook import config
    from printbook.model import PrintbookError

    (tmp_path / "printbook.toml").write_text('[email]\nhost = "smtp.example.org"\npassword = "hunter2"\n')
    with pytest.raises(PrintbookError) as refused:
        config.read(tmp_path / "printbook.toml")
    assert str(refused.value).startswith(f"{tmp_path / 'printbook.toml'}:3:1: error: a password is never read")
    assert "hunter2" not in str(refused.value)
