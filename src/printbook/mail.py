"""The handbook as an email draft (`--eml`): OUT/<book>.eml, which any mail client opens as a
message not yet sent (`X-Unsent: 1`), with a short plain-text and HTML body saying what the
handbook holds and the PDF attached. `printbook send` sends such a draft through SMTP.
"""

from __future__ import annotations

import html
import os
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from pathlib import Path

from .model import Book, Diagnostic, Location, PrintbookError, counted

# An on-premises Exchange server takes 10 MB by default (Gmail 25 MB), and base64 adds a third.
LARGEST_ATTACHMENT = 10 * 1024 * 1024


def draft(book: Book, pdf: Path, pages: int) -> bytes:
    """The message, ready to write as a .eml file."""
    message = EmailMessage(policy=SMTP)
    message["Subject"] = f"{book.title}: interviewer handbook" if book.questions else book.title
    message["X-Unsent"] = "1"  # Outlook and others open it as a draft to address and send
    lines = [f"{book.title}", "",
             f"{counted(len(book.questions), 'question')} in {counted(len(book.sections), 'section')}, "
             f"{counted(pages, 'page')}." if book.questions else f"{counted(pages, 'page')}."]
    if book.selected:
        lines.append(f"This book holds {book.selected}.")
    lines += ["", *(f"- {chapter.label}" for chapter in book.sections), "", f"The handbook is attached ({pdf.name})."]
    message.set_content("\n".join(lines) + "\n")
    message.add_alternative("<html><body>" + "".join(
        f"<p>{html.escape(line)}</p>" if not line.startswith("- ") else f"<p>&bull; {html.escape(line[2:])}</p>"
        for line in lines if line) + "</body></html>\n", subtype="html")
    message.add_attachment(pdf.read_bytes(), maintype="application", subtype="pdf", filename=pdf.name)
    return message.as_bytes()


def size_warning(book: Book, pdf: Path) -> list[Diagnostic]:
    size = pdf.stat().st_size
    if size <= LARGEST_ATTACHMENT:
        return []
    return [Diagnostic("warning", book.location, f"the handbook is {size / 1024 / 1024:.1f} MB: mail servers often refuse "
                       "attachments over 10 MB (Exchange's default; Gmail's is 25 MB, and base64 adds a third)",
                       "send a shorter book (--min-probability, --sections) or share the PDF by link", "mail.size")]


@dataclass(frozen=True, slots=True)
class MailSettings:
    """The [email] table of printbook.toml (config.SCHEMA); the password only from the environment."""

    host: str = ""
    port: int = 587
    starttls: bool = True
    user: str = ""
    password_env: str = "PRINTBOOK_SMTP_PASSWORD"
    sender: str = ""
    to: tuple[str, ...] = ()


def _refused(problem: str, hint: str, where: Location | None = None) -> PrintbookError:
    return PrintbookError(Diagnostic("error", where, problem, hint, "mail.send"))


def send(eml: Path, settings: MailSettings) -> EmailMessage:
    """The draft at `eml` sent as a message (no longer marked unsent, dated, with a Message-ID)
    from `settings.sender` to `settings.to`; what was sent."""
    if not settings.host:
        raise _refused("no SMTP server to send through", 'set host in the [email] table of printbook.toml')
    if not settings.to:
        raise _refused("no one to send the handbook to", "give --to ADDRESS, or to = [...] in [email]")
    sender = settings.sender or settings.user
    if not sender:
        raise _refused("no sender address", "set sender (or user) in [email]")
    try:
        message = BytesParser(policy=SMTP).parse(eml.open("rb"))
    except OSError as error:
        raise _refused(f"cannot read the draft: {error.strerror or error}", "build it with --eml first",
                       Location(str(eml), 1)) from None
    del message["X-Unsent"]
    for header, value in (("From", sender), ("To", ", ".join(settings.to)), ("Date", formatdate(localtime=True)),
                          ("Message-ID", make_msgid(domain=sender.rpartition("@")[2] or None))):
        del message[header]
        message[header] = value
    password = os.environ.get(settings.password_env, "") if settings.user else ""
    if settings.user and not password:
        raise _refused(f"no password for {settings.user}", f"set the environment variable {settings.password_env}")
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=60) as server:
            if settings.starttls:
                server.starttls(context=ssl.create_default_context())
            if settings.user:
                server.login(settings.user, password)
            server.send_message(message)
    except smtplib.SMTPAuthenticationError as error:
        raise _refused(f"{settings.host} refused the login of {settings.user}: {error.smtp_code}",
                       f"check the user and the password in {settings.password_env}") from None
    except smtplib.SMTPNotSupportedError:
        raise _refused(f"{settings.host} does not offer STARTTLS", "set starttls = false only for a server on "
                       "your own machine or network") from None
    except (smtplib.SMTPException, OSError) as error:
        raise _refused(f"could not send through {settings.host}:{settings.port}: {error}",
                       "check host and port in [email], and that the server is reachable") from None
    return message
