"""A report document written out: plain text for the terminal, CSV for any spreadsheet, and an
.xlsx workbook (openpyxl) laid out as a Vietnamese administrative report."""
import csv
import io

from .document import MOTTO, NATION
from .tables import shown


def _heading_lines(doc):
    return [*doc.unit_lines, "", doc.dated_line, "", doc.title, doc.subtitle]


def to_text(doc):
    out = [f"{NATION} — {MOTTO}", *_heading_lines(doc), ""]
    for table in doc.tables:
        out.append(f"== {table.title_vi} ({table.title_en}) ==")
        rows = [[c.vi for c in table.columns]]
        rows += [[shown(v, c.kind) for v, c in zip(row, table.columns)] for row in table.rows]
        if table.total:
            rows.append([shown(v, c.kind) for v, c in zip(table.total, table.columns)])
        # One record per line, "heading: value", readable in a terminal however wide the table.
        for row in rows[1:]:
            out.append("  " + " | ".join(f"{h}: {v}" for h, v in zip(rows[0], row)))
        if not rows[1:]:
            out.append("  (không có số liệu)")
        out.append("")
    return "\n".join(out)


def to_csv(doc):
    """UTF-8 with a byte-order mark, so Excel opens the Vietnamese text right; one block per
    table, numbers as numbers (minutes with a dot) so a spreadsheet can sum them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([doc.site.name])
    writer.writerow([doc.title])
    writer.writerow([doc.period.label_vi, doc.period.first, doc.period.last])
    for table in doc.tables:
        writer.writerow([])
        writer.writerow([table.title_vi])
        writer.writerow([c.vi for c in table.columns])
        for row in table.rows + ([table.total] if table.total else []):
            writer.writerow(["" if v is None else v for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(doc):
    """One sheet per table under the document heading: unit top left, the nation and motto top
    right, place and date, the title, then the table; signature blocks at the end of the first."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    bold = Font(name="Times New Roman", bold=True, size=12)
    plain = Font(name="Times New Roman", size=12)
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    book = Workbook()
    book.remove(book.active)
    for index, table in enumerate(doc.tables):
        sheet = book.create_sheet(_sheet_title(table.title_vi))
        width = max(len(table.columns), 6)
        half = max(2, width // 2)
        unit = doc.unit_lines
        for i, line in enumerate(unit):
            sheet.cell(row=1 + i, column=1, value=line).font = bold if i == len(unit) - 1 else plain
            sheet.merge_cells(start_row=1 + i, start_column=1, end_row=1 + i, end_column=half)
            sheet.cell(row=1 + i, column=1).alignment = center
        for i, (line, font) in enumerate(((NATION, bold), (MOTTO, bold))):
            cell = sheet.cell(row=1 + i, column=half + 1, value=line)
            cell.font, cell.alignment = font, center
            sheet.merge_cells(start_row=1 + i, start_column=half + 1, end_row=1 + i, end_column=width)
        top = max(len(unit), 2) + 2
        cell = sheet.cell(row=top, column=half + 1, value=doc.dated_line)
        cell.font, cell.alignment = Font(name="Times New Roman", italic=True, size=12), center
        sheet.merge_cells(start_row=top, start_column=half + 1, end_row=top, end_column=width)
        for offset, (line, font) in enumerate(((doc.title, Font(name="Times New Roman", bold=True, size=14)),
                                               (doc.subtitle, plain),
                                               (f"{table.title_vi} ({table.title_en})", bold))):
            row = top + 2 + offset
            cell = sheet.cell(row=row, column=1, value=line)
            cell.font, cell.alignment = font, center
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        head = top + 6
        for col, column in enumerate(table.columns, start=1):
            cell = sheet.cell(row=head, column=col, value=column.vi)
            cell.font, cell.alignment, cell.border = bold, center, box
            cell.fill = PatternFill("solid", fgColor="E8EEF7")
            sheet.column_dimensions[get_column_letter(col)].width = 30 if col == 1 else 13
        sheet.row_dimensions[head].height = 48
        rows = table.rows + ([table.total] if table.total else [])
        for r, values in enumerate(rows, start=head + 1):
            for col, (value, column) in enumerate(zip(values, table.columns), start=1):
                cell = sheet.cell(row=r, column=col, value=value)
                cell.border, cell.font = box, bold if values is table.total else plain
                if column.kind == "share":
                    cell.number_format = "0%"
                elif column.kind in ("minutes", "decimal"):
                    cell.number_format = "0.0"
        if not rows:
            sheet.cell(row=head + 1, column=1, value="Không có số liệu trong kỳ.").font = plain
        if index == 0:
            sign = head + len(rows) + 3
            for col, who in ((1, "NGƯỜI LẬP BIỂU"), (half + 1, "THỦ TRƯỞNG ĐƠN VỊ")):
                cell = sheet.cell(row=sign, column=col, value=who)
                cell.font, cell.alignment = bold, center
                last = half if col == 1 else width
                sheet.merge_cells(start_row=sign, start_column=col, end_row=sign, end_column=last)
                note = sheet.cell(row=sign + 1, column=col, value="(Ký, ghi rõ họ tên)")
                note.font, note.alignment = Font(name="Times New Roman", italic=True, size=12), center
                sheet.merge_cells(start_row=sign + 1, start_column=col, end_row=sign + 1, end_column=last)
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.freeze_panes = sheet.cell(row=head + 1, column=2)
    book.properties.title = f"{doc.title} — {doc.subtitle}"
    book.properties.creator = doc.site.name
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_title(text):
    # Excel: at most 31 characters, none of []:*?/\
    return "".join(ch for ch in text if ch not in "[]:*?/\\")[:31]


FORMATS = {"text": ("text/plain; charset=utf-8", "txt", lambda d: to_text(d).encode("utf-8")),
           "csv": ("text/csv; charset=utf-8", "csv", to_csv),
           "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                    to_xlsx)}


def write(doc, fmt):
    """(bytes, content type, file extension) of the document in format `fmt`."""
    content_type, ext, make = FORMATS[fmt]
    return make(doc), content_type, ext
