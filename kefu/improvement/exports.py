"""The case retrospective as an Excel workbook: one sheet with its sections, one listing
the linked conversations (time, channel, agent, the customer masked). The caller passes
only the conversations the reader may see (kefu/improvement/actions_analysis.py audits
the export); customer names are always masked here: a retrospective is shared beyond the
people allowed to see personal data."""

from __future__ import annotations

from collections.abc import Sequence
from typing import BinaryIO

from django.utils.translation import gettext as _

from kefu.core.spreadsheet import save_as_text
from kefu.improvement.models import Retrospective
from kefu.interactions.models import Conversation
from kefu.interactions.personal import PersonalDataView
from kefu.lib.localtime import configured_tz


def retrospective_workbook(
    retrospective: Retrospective, conversations: Sequence[Conversation], stream: BinaryIO
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Retrospective")
    cause = retrospective.root_cause
    rows = [
        (_("Title"), retrospective.title),
        (_("Problem"), retrospective.problem),
        (_("Root cause"), f"{cause.name} ({cause.get_kind_display()})" if cause else ""),
        (_("Background"), retrospective.background),
        (_("Problem description"), retrospective.description),
        (_("Handling"), retrospective.handling),
        (_("Result and impact"), retrospective.result),
        (_("Written by"), retrospective.created_by.username if retrospective.created_by else ""),
        (
            _("Written on"),
            retrospective.created_at.astimezone(configured_tz()).strftime("%Y-%m-%d %H:%M"),
        ),
    ]
    for label, value in rows:
        sheet.append([label, value])
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(vertical="top")
    for cell in sheet["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 90

    linked = book.create_sheet(_("Conversations"))
    linked.append(
        [_("Conversation id"), _("Time"), _("Channel"), _("Agent"), _("Customer"), _("Problem")]
    )
    masked = PersonalDataView(unmasked=False)
    tz = configured_tz()
    for c in conversations:
        linked.append(
            [
                c.external_id,
                c.created_at.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                c.get_channel_display(),
                c.agent.name if c.agent else "",
                masked.name(c.customer.name) or "—",
                c.category2,
            ]
        )
    for cell in linked[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (18, 18, 10, 14, 14, 20), strict=True):
        linked.column_dimensions[column].width = width
    save_as_text(book, stream)
