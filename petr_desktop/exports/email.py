"""An e-mail draft (.eml, RFC 5322) that Outlook or Thunderbird opens ready to send.

``X-Unsent: 1`` makes Outlook open the file as an unsent draft (with « Envoyer »).
Non-ASCII names go through RFC 2047, the attachment's file name through RFC 2231.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str


@dataclass(frozen=True)
class Attachment:
    file_name: str
    data: bytes
    mime_type: str = "application/pdf"


def _address(recipient: Recipient) -> Address:
    local, _, domain = recipient.email.strip().partition("@")
    return Address(display_name=recipient.name.strip(), username=local, domain=domain)


def draft_eml(subject: str, body: str, to: list[Recipient], attachments: list[Attachment] = (),
              cc: list[Recipient] = (), now: datetime | None = None) -> bytes:
    """The draft as bytes (CRLF line ends, as mail programs expect)."""
    message = EmailMessage(policy=policy.default)
    message["Subject"] = subject
    if to:
        message["To"] = [_address(r) for r in to]
    if cc:
        message["Cc"] = [_address(r) for r in cc]
    message["Date"] = format_datetime((now or datetime.now()).astimezone())
    message["Message-ID"] = make_msgid(domain="carnet-petr.grandest.fr")
    message["X-Unsent"] = "1"
    message.set_content(body, subtype="plain", charset="utf-8", cte="quoted-printable")
    for attachment in attachments:
        maintype, _, subtype = attachment.mime_type.partition("/")
        message.add_attachment(attachment.data, maintype=maintype, subtype=subtype,
                               filename=attachment.file_name)
    message["Content-Language"] = "fr-FR"      # after set_content, which drops Content-* headers
    return message.as_bytes(policy=policy.default.clone(linesep="\r\n"))
