"""An upward report by email (route `email`): to the parent duty room's address, through the
office's SMTP server ([notifications.email]), the report as the plain-text body and as a PDF
attachment printed from the message's HTML page with WeasyPrint and the system's CJK fonts (as
bulletins are, alerts/bulletins/documents.py). The outcomes are notifiers/email.py's: the mail
server's acceptance is SENT and no receipt (docs/decisions/0022); the parent's confirmation is
recorded by the office. Without WeasyPrint (or Pango) the mail goes as text alone, saying so."""

from __future__ import annotations

import asyncio
import dataclasses
import logging

from notifiers.base import DeliveryState, Message, SendResult
from notifiers.email import EmailNotifier, EmailSettings, build_email

log = logging.getLogger(__name__)
NO_PDF = "（PDF 附件未能生成，以正文为准 / no PDF: the text above is the report）"


class UpwardEmailNotifier(EmailNotifier):
    """Mails each report to one parent's duty room, the PDF attached."""

    channel: str = "jibao"

    def __init__(self, settings: EmailSettings, *, to: str, filename: str = "report.pdf") -> None:
        super().__init__(settings)
        self.to, self.filename = to, filename

    async def send(self, message: Message) -> SendResult:
        """Send the report; the outcome as a SendResult, never by raising."""
        document = await asyncio.to_thread(render_pdf, message.html) if message.html else None
        text = message.text if document is not None else f"{message.text.rstrip()}\n\n{NO_PDF}\n"
        mailed = dataclasses.replace(message, to=self.to, text=text, html=None)
        try:
            mail = build_email(mailed, self.settings.from_address)
            if document is not None:
                mail.add_attachment(
                    document, maintype="application", subtype="pdf", filename=self.filename
                )
        except (ValueError, TypeError) as exc:
            return SendResult(DeliveryState.FAILED_PERM, error=f"cannot build email: {exc}")
        return await self.deliver(mail, [self.to])


def render_pdf(html: str) -> bytes | None:
    """The page as a PDF; None when WeasyPrint or its libraries are missing."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]  # heavy, needs Pango
    except (ImportError, OSError) as missing:
        log.warning("no PDF for an upward report: %s", missing)
        return None
    document: bytes = HTML(string=html).write_pdf()
    return document
