"""--eml: the handbook as an email draft any mail client opens, with the PDF attached."""

from email import policy
from email.parser import BytesParser

import pytest

import printbook
from printbook import mail

from conftest import EXAMPLE, pdf_of

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
