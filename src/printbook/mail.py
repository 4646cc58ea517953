"""The handbook as an email draft (`--eml`): OUT/<book>.eml, which any mail client opens as a
message not yet sent (`X-Unsent: 1`), with a short plain-text and HTML body saying what the
handbook holds and the PDF attached.
"""

from __future__ import annotations

import html
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

from .model import Book, Diagnostic, counted

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
