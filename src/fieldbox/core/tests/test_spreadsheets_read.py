"""The one reader of uploaded spreadsheets: formats, CSV dialects, row numbers, cell values and every refusal."""

from __future__ import annotations

import io
import os
import time
import zipfile
from datetime import date, datetime

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from openpyxl import Workbook

from fieldbox.core.tests.handmade import Cells, empty_cells, ods_bytes, row, text_cell, with_member, xls_bytes
from fieldbox.core.tests.sheets import xlsx_bytes
from fieldbox.core.uploads import (
    Formula,
    Row,
    RowError,
    read_cells,
    read_rows,
    upload_discard,
    upload_keep,
    upload_kept,
)

MB = 1024 * 1024
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read(data: bytes, name: str, *, max_bytes: int = MB, max_rows: int = 100) -> list[Row]:
    return read_rows(io.BytesIO(data), name=name, size=len(data), max_bytes=max_bytes, max_rows=max_rows)


def refusal(data: bytes, name: str, **limits: int) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        read(data, name, **limits)
    [error] = caught.value.error_dict["file"]
    return str(error.code), error.messages[0]


xlsx = xlsx_bytes


def ods(rows: list[list[str]]) -> bytes:
    """A minimal OpenDocument spreadsheet, written by hand (text cells, an empty row kept as one)."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join(
        "<table:table-row>"
        + "".join(f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>' for c in row)
        + ("" if row else "<table:table-cell/>")
        + "</table:table-row>"
        for row in rows
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="S">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def test_xlsx_whole_numbers_dates_and_blank_rows_keep_their_numbers():
    data = xlsx(
        [
            ["serial", "imei", "day", "when", "ratio"],
            [],
            [" TBA1 ", 356938035643809, date(2026, 3, 1), datetime(2026, 3, 1, 9, 30), 1.5],
            [None, None, None],
            ["TBA2", 12.0, datetime(2026, 3, 2), None, 0],
        ]
    )
    assert read(data, "devices.xlsx") == [
        Row(1, ["serial", "imei", "day", "when", "ratio"]),
        Row(3, ["TBA1", "356938035643809", "2026-03-01", "2026-03-01 09:30:00", "1.5"]),
        Row(5, ["TBA2", "12", "2026-03-02", "", "0"]),
    ]


def test_a_sheet_starting_below_a1_keeps_its_rows_and_columns():
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["B3"], sheet["C3"], sheet["C4"] = "serial", "imei", "1"
    buffer = io.BytesIO()
    book.save(buffer)
    assert read(buffer.getvalue(), "late.xlsx") == [Row(3, ["", "serial", "imei"]), Row(4, ["", "", "1"])]


def test_ods_is_read_with_its_row_numbers():
    data = ods([["subscription", "kind"], [], ["POL1", "installation"]])
    assert read(data, "jobs.ods") == [Row(1, ["subscription", "kind"]), Row(3, ["POL1", "installation"])]


@pytest.mark.parametrize(
    ("text", "encoding"),
    [
        ("serial,imei\nTBA1,123\n", "utf-8"),
        ("serial;imei\r\nTBA1;123\r\n", "utf-8-sig"),
        ("serial\timei\nTBA1\t123\n", "utf-8"),
        ('"serial";"imei"\n"TBA1";"123"\n', "cp1252"),
    ],
)
def test_csv_dialects_and_encodings(text, encoding):
    assert read(text.encode(encoding), "devices.csv") == [Row(1, ["serial", "imei"]), Row(2, ["TBA1", "123"])]


def test_csv_keeps_commas_inside_a_semicolon_file_and_windows_accents():
    data = "notes;città\n\n ; \n«Fuse 7, left»;Forlì\n".encode("cp1252")
    assert read(data, "jobs.csv") == [Row(1, ["notes", "città"]), Row(4, ["«Fuse 7, left»", "Forlì"])]


def test_a_file_that_is_no_spreadsheet_is_refused_by_its_content():
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    assert refusal(png, "photo.xlsx")[0] == "not_spreadsheet"
    assert refusal(png, "photo.csv")[0] == "not_spreadsheet"
    assert refusal(b"PK\x03\x04not really a workbook", "fake.xlsx")[0] == "not_spreadsheet"
    code, message = refusal(png, "photo.png")
    assert code == "extension" and message == "Upload a spreadsheet: .xlsx, .xls, .ods or .csv."
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w/>")
    assert refusal(buffer.getvalue(), "letter.xlsx")[0] == "not_spreadsheet"


def test_encrypted_files_are_refused_with_the_password_message():
    encrypted_xlsx = OLE + b"\x00" * 100 + "EncryptionInfo".encode("utf-16-le") + b"\x00" * 400
    code, message = refusal(encrypted_xlsx, "locked.xlsx")
    assert code == "encrypted" and "protected by a password" in message
    encrypted = b"<manifest:encryption-data/></manifest:manifest>"
    data = with_member(
        ods([["a"]]), "META-INF/manifest.xml", lambda body: body.replace(b"</manifest:manifest>", encrypted)
    )
    assert refusal(data, "locked.ods")[0] == "encrypted"


def test_a_damaged_xls_cannot_be_read():
    code, message = refusal(OLE + b"\x00" * 100 + "Workbook".encode("utf-16-le") + b"\x00" * 400, "old.xls")
    assert code == "unreadable" and message == "This file cannot be read as a spreadsheet: save it again and retry."


def test_oversized_files_are_refused_by_size_and_by_content():
    code, message = refusal(b"a,b\n" * 600_000, "big.csv", max_bytes=2 * MB)
    assert code == "too_big" and message == "The file is larger than 2 MB: split it into smaller files."
    with pytest.raises(ValidationError, match="larger than 2"):  # a size that lies is caught by reading
        read_rows(io.BytesIO(b"a,b\n" * 600_000), name="big.csv", size=10, max_bytes=2 * MB, max_rows=10)


def test_a_zip_bomb_is_refused_before_it_is_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (50 * MB))
    data = buffer.getvalue()
    assert len(data) < MB
    code, message = refusal(data, "bomb.xlsx")
    assert code == "zip_bomb" and "unpacks into far more data" in message


def test_cells_far_apart_are_refused_before_the_reader_makes_their_grid():
    """Two cells at A1 and XFD1048576 weigh 5 KB and would ask the reader for 550 GB (the process would die)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["XFD1048576"] = "Vin", 1
    buffer = io.BytesIO()
    book.save(buffer)
    code, message = refusal(buffer.getvalue(), "sparse.xlsx")
    assert code == "too_wide"
    assert message.startswith("A sheet of this file uses cells as far as row 1048576 and column 16384")
    # A sheet only as large as its data passes: wide (column GR) or long (row 150,000).
    wide = [["x"] * 200 for _ in range(3)]
    assert len(read(xlsx(wide), "wide.xlsx", max_rows=5)[0].cells) == 50  # the first 50 columns count
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"], sheet["C150000"] = "serial", "TBA1"
    buffer = io.BytesIO()
    book.save(buffer)
    assert [r.number for r in read(buffer.getvalue(), "long.xlsx", max_rows=200_000)] == [1, 150_000]


def test_too_many_rows_count_only_rows_under_the_header():
    lines = "subscription,kind\n" + "\n".join(f"P{i},installation\n" for i in range(3))
    assert len(read(lines.encode(), "jobs.csv", max_rows=3)) == 4
    code, message = refusal(lines.encode(), "jobs.csv", max_rows=2)
    assert code == "too_many_rows" and message == "The file has more than 2 rows: split it into smaller files."


def test_a_file_of_blank_rows_is_refused():
    assert refusal(b",,,\n , ,\n\n", "blank.csv") == ("blank", "The file is empty: every row is blank.")
    assert refusal(xlsx([[], [None, ""]]), "blank.xlsx")[0] == "blank"


def test_a_csv_that_is_neither_utf8_nor_windows_text_is_refused():
    assert refusal(b"serial\n\x81\x8d\x8f\n", "devices.csv") == ("encoding", "Save the CSV file as UTF-8 text.")


def test_row_errors_read_the_same_for_every_import():
    assert str(RowError(4, "imei", "Bad.")) == "Row 4, column imei: Bad."
    assert str(RowError(0, "", "Bad.")) == "Row 0: Bad."
    assert RowError(3, "kind", "Bad.").as_dict() == {"row": 3, "column": "kind", "message": "Bad."}


# ---- the file kept between preview and confirmation ------------------------------------------------------


def kept_request(tenant, user):
    request = RequestFactory().post("/")
    request.session = SessionStore()
    request.scope = tenant.scope(user)
    return request


@pytest.mark.django_db
def test_a_kept_file_is_found_only_in_its_uploaders_session_and_older_ones_are_pruned(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    mine = kept_request(tenant, tenant.dispatcher)
    paths = [
        upload_keep(mine, SimpleUploadedFile(f"f{i}.csv", b"a,b\n1,2\n"), purpose="test-imports") for i in range(6)
    ]
    assert all(p.startswith(f"uploads/test-imports/{tenant.provider.pk}-{tenant.dispatcher.pk}/") for p in paths)
    assert not default_storage.exists(paths[0]) and upload_kept(mine, purpose="test-imports", path=paths[0]) is None
    latest = upload_kept(mine, purpose="test-imports")
    assert latest is not None and latest.path == paths[-1] and latest.name == "f5.csv"
    with latest.open() as stream:
        assert read_rows(stream, name=latest.name, size=latest.size, max_bytes=MB, max_rows=10)[1].cells == ["1", "2"]
    colleague = kept_request(tenant, tenant.provider_admin)
    assert upload_kept(colleague, purpose="test-imports", path=paths[-1]) is None
    colleague.session["uploads.test-imports"] = [{"path": paths[-1], "name": "f5.csv"}]  # a forged session entry
    assert upload_kept(colleague, purpose="test-imports", path=paths[-1]) is None
    upload_discard(mine, latest, purpose="test-imports")
    assert not default_storage.exists(paths[-1]) and upload_kept(mine, purpose="test-imports", path=paths[-1]) is None
    assert upload_kept(mine, purpose="test-imports", path="") is None


@pytest.mark.django_db
def test_files_left_over_from_an_old_session_are_pruned_a_day_later(tenant, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    old = upload_keep(kept_request(tenant, tenant.dispatcher), SimpleUploadedFile("a.csv", b"a\n"), purpose="t")
    two_days_ago = time.time() - 2 * 24 * 3600
    os.utime(tmp_path / old, (two_days_ago, two_days_ago))  # its session ended without a confirmation
    fresh = upload_keep(kept_request(tenant, tenant.dispatcher), SimpleUploadedFile("b.csv", b"b\n"), purpose="t")
    assert not default_storage.exists(old) and default_storage.exists(fresh)


# ---- files whose few kilobytes would make the reader's grid enormous ------------------------------------------

TOO_WIDE = "A sheet of this file uses cells as far as row {rows} and column {columns}: delete the rows and columns past"


def assert_too_wide(data: bytes, name: str, rows: int, columns: int) -> None:
    code, message = refusal(data, name)
    assert code == "too_wide" and message.startswith(TOO_WIDE.format(rows=rows, columns=columns)), message


HEADER_ROW = row(*(text_cell(title) for title in ("Vin", "Lieu", "Date")))


@pytest.mark.parametrize(
    ("rows", "extent"),
    [
        (row(text_cell("x", repeat=10), repeat=1_000_000), (1_000_001, 10)),  # a row of values, repeated
        (row(text_cell("x", repeat=100_000), repeat=60), (61, 100_000)),  # a cell of value, repeated
        (
            row(empty_cells(repeat=49), text_cell("x")) + row(empty_cells(), repeat=200_000) + row(text_cell("x")),
            (200_003, 50),
        ),  # empty cells and rows count when a value follows them
        (row(*[text_cell("x")] * 5_000) + row(text_cell("x")) * 1_001, (1_003, 5_000)),  # written out, no repeat
    ],
)
def test_an_ods_whose_repeated_rows_or_cells_make_a_huge_grid_is_refused_before_reading(rows, extent):
    """python-calamine writes repeated rows and cells out: each of these few-kilobyte files took gigabytes."""
    data = ods_bytes(HEADER_ROW + rows)
    assert len(data) < 20_000
    assert_too_wide(data, "hostile.ods", *extent)


def test_an_ods_counts_every_table_because_the_reader_reads_them_all():
    small = HEADER_ROW + row(text_cell("VF1"))
    big = row(text_cell("x", repeat=50), repeat=60_000)  # 3,000,000 cells: each sheet passes alone, not together
    assert_too_wide(ods_bytes(small, big, big), "sheets.ods", 60_000, 50)


def test_the_empty_rows_and_cells_that_end_a_libreoffice_sheet_do_not_count():
    data = ods_bytes(
        HEADER_ROW
        + row(text_cell("VF1"), text_cell("Paris"), empty_cells(), empty_cells(repeat=16_381))  # a formatted row
        + row(empty_cells(repeat=3), repeat=2)  # blank rows between values are kept
        + row(text_cell("VF2"), text_cell("Lyon"), text_cell("x"))
        + row(empty_cells(repeat=16_384))  # formatted, empty
        + row(empty_cells(repeat=3), repeat=1_048_570)
        + row(empty_cells()),
        row(text_cell("notes")) + row(empty_cells(), repeat=1_048_575),
    )
    assert read(data, "libreoffice.ods") == [
        Row(1, ["Vin", "Lieu", "Date"]),
        Row(2, ["VF1", "Paris", ""]),
        Row(5, ["VF2", "Lyon", "x"]),
    ]


def test_an_ods_whose_markup_the_quick_count_cannot_trust_is_counted_by_a_parser():
    """A comment (other programs write them, and quotes in text, which the quick count reads) sends content.xml to
    an XML parser, which counts the same grid; a row hidden in a quoted value, which python-calamine would read, is
    no XML: refused."""
    quoted = HEADER_ROW.replace("Lieu", "l'adresse") + "<!-- from a script -->" + row(text_cell("VF1"))
    assert [r.cells[1] for r in read(ods_bytes(quoted), "script.ods")] == ["l'adresse", ""]
    assert_too_wide(ods_bytes(quoted + row(text_cell("x", repeat=10), repeat=1_000_000)), "script.ods", 1_000_002, 10)
    cell = '<table:table-cell office:value-type="string" x="<table:table-row>" table:number-columns-repeated="10">'
    hidden = row(cell + "<text:p>x</text:p></table:table-cell>", repeat=1_000_000)
    assert refusal(ods_bytes(HEADER_ROW + hidden), "hidden.ods")[0] == "unreadable"


def test_an_ods_whose_table_never_ends_is_refused_rather_than_read_for_ever():
    """python-calamine waits for the end of a table until the end of the file, and then for ever: one worker lost."""
    unended = with_member(ods_bytes(HEADER_ROW), "content.xml", lambda body: body.replace(b"</table:table>", b""))
    assert refusal(unended, "unended.ods")[0] == "unreadable"


def test_an_xls_with_a_cell_far_away_is_refused_before_reading():
    """One cell at IV65536, the last cell of Excel 97: 6 KB that took 1.3 GB. Cell records may name columns past
    IV, and a small workbook lives in the OLE mini stream: both are read too."""
    assert_too_wide(xls_bytes([{(0, 0): "Vin", (65_535, 255): "x"}]), "far.xls", 65_536, 256)
    assert_too_wide(xls_bytes([{(0, 0): "Vin", (1_000, 9_999): 1.0}], mini=True), "far.xls", 1_001, 10_000)
    assert_too_wide(xls_bytes([{(0, 0): "Vin"}, *[{(0, 0): "x", (9_999, 199): "y"}] * 3]), "sheets.xls", 10_000, 200)


def test_an_xls_whose_dimensions_record_asks_too_much_is_refused():
    """The reader reserves the DIMENSIONS record's rows x columns; a last row before the first one wraps round to
    four billion rows, and the process aborts (no exception to catch)."""
    assert_too_wide(xls_bytes([{(0, 0): "Vin"}], dimensions=(0, 65_536, 0, 256)), "formatted.xls", 65_536, 256)
    code, message = refusal(xls_bytes([{(0, 0): "Vin"}], dimensions=(10, 5, 0, 256)), "wrapped.xls")
    assert code == "too_wide" and "row 4294967291 and column 256" in message


def test_an_ordinary_xls_is_read_with_its_blank_rows_skipped():
    cells: Cells = {(0, 0): "Vin", (0, 1): "Abonnement", (1, 0): "VF1", (1, 1): 121000.0, (3, 0): "VF2", (3, 1): "B7"}
    expected = [Row(1, ["Vin", "Abonnement"]), Row(2, ["VF1", "121000"]), Row(4, ["VF2", "B7"])]
    assert read(xls_bytes([cells, {(0, 0): "notes"}]), "removals.xls") == expected
    assert read(xls_bytes([cells], mini=True), "small.xls") == expected


def test_an_xlsb_is_refused_as_no_spreadsheet_we_read():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.bin", b"\x00" * 64)
    assert refusal(buffer.getvalue(), "binary.xlsx")[0] == "not_spreadsheet"


# ---- formulas the file holds without their value ------------------------------------------------------------


def test_a_formula_saved_without_its_value_reads_as_its_text():
    """openpyxl (and other programs that do not compute) save a formula without its value: the reader answered an
    empty cell; its text is kept instead. A formula with its value reads as the value."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Vin", "Commentaires"])
    sheet.append(["VF1", '=HYPERLINK("http://tracker.example/7?a=1&b=2","see")'])
    sheet["C4"] = "=A1&B1"  # past the last cell the reader keeps
    buffer = io.BytesIO()
    book.save(buffer)
    assert read(buffer.getvalue(), "script.xlsx") == [
        Row(1, ["Vin", "Commentaires"]),
        Row(2, ["VF1", '=HYPERLINK("http://tracker.example/7?a=1&b=2","see")']),
        Row(4, ["", "", "=A1&B1"]),
    ]
    cells = read_cells(io.BytesIO(buffer.getvalue()), name="script.xlsx", size=None, max_bytes=MB, max_rows=10)
    assert cells[1][1][1] == Formula('=HYPERLINK("http://tracker.example/7?a=1&b=2","see")')


def test_a_shared_formula_saved_without_its_value_reads_as_the_formula_of_its_cell():
    """A column filled down shares the first cell's formula; each cell gets it with its references moved."""
    data = xlsx([["Vin", "Code", "Comment"], ["VF1", "EK004", "=A2&B2"], ["VF2", "JJ020", "=A3&B3"], ["VF3", "X", 4]])

    def shared(body: bytes) -> bytes:
        body = body.replace(b"<f>A2&amp;B2</f>", b'<f t="shared" ref="C2:C4" si="0">A2&amp;B2</f>')
        body = body.replace(b"<f>A3&amp;B3</f>", b'<f t="shared" si="0"/>')
        return body.replace(b'<c r="C4" t="n"><v>4</v>', b'<c r="C4" t="str"><f t="shared" si="0"/><v>VF3X</v>')

    filled = with_member(data, "xl/worksheets/sheet1.xml", shared)
    assert [r.cells[2] for r in read(filled, "filled.xlsx")] == ["Comment", "=A2&B2", "=A3&B3", "VF3X"]
