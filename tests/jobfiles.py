"""Build small files shaped like DOL's disclosure data and debarment lists, for the tests and the benchmark.

Column names are those of REFERRAL-FACTS E1 (FY2020+ layout) and an older year's variants; they are
unconfirmed against DOL's Record Layout PDFs, like the importer's own table.
"""
import csv
import datetime

import openpyxl

H2A_HEADERS = ["CASE_NUMBER", "CASE_STATUS", "RECEIVED_DATE", "DECISION_DATE", "EMPLOYER_NAME", "TRADE_NAME_DBA",
               "JOB_TITLE", "SOC_CODE", "SOC_TITLE", "WORKSITE_CITY", "WORKSITE_COUNTY", "WORKSITE_STATE",
               "WAGE_OFFER", "PER", "REQUESTED_BEGIN_DATE", "REQUESTED_END_DATE", "EMPLOYMENT_BEGIN_DATE",
               "EMPLOYMENT_END_DATE", "TOTAL_WORKERS_NEEDED", "TOTAL_WORKERS_H-2A_REQUESTED",
               "TOTAL_WORKERS_H-2A_CERTIFIED", "NAICS_CODE", "LAWFIRM_NAME_BUSINESS_NAME"]
# An older year's names (E1: TOTAL_WORKERS_H2A_CERTIFIED; the rest as older files are remembered to be).
OLD_H2A_HEADERS = ["CASE_NO", "CASE_STATUS", "CASE_RECEIVED_DATE", "DECISION_DATE", "EMPLOYER_NAME",
                   "JOB_TITLE", "ALIEN_WORK_CITY", "ALIEN_WORK_STATE", "BASIC_RATE_OF_PAY", "BASIC_UNIT_OF_PAY",
                   "CERTIFICATION_BEGIN_DATE", "CERTIFICATION_END_DATE", "NBR_WORKERS_REQUESTED",
                   "TOTAL_WORKERS_H2A_CERTIFIED"]
H2B_HEADERS = ["CASE_NUMBER", "CASE_STATUS", "RECEIVED_DATE", "DECISION_DATE", "EMPLOYER_NAME", "JOB_TITLE",
               "WORKSITE_CITY", "WORKSITE_STATE", "BASIC_WAGE_RATE_FROM", "PER", "EMPLOYMENT_BEGIN_DATE",
               "EMPLOYMENT_END_DATE", "TOTAL_WORKERS_REQUESTED", "TOTAL_WORKERS_CERTIFIED"]
DEBARRED_HEADERS = ["Name", "City, State", "Program", "Start Date", "End Date"]

D = datetime.datetime


def case(number, status="Determination Issued - Certification", employer="RANCHO SOL LLC", trade="",
         job="Farmworkers and Laborers, Crop", city="SALINAS", state="CA", wage=18.5, per="Hour",
         begin=D(2025, 3, 1), end=D(2025, 11, 30), certified=12, requested=12, decision=D(2025, 2, 10),
         lawfirm=""):
    """Return one H-2A case as {column: value} in the FY2020+ layout."""
    denied = "Denied" in status or "Withdrawn" in status
    return {"CASE_NUMBER": number, "CASE_STATUS": status, "RECEIVED_DATE": decision - datetime.timedelta(days=40),
            "DECISION_DATE": decision, "EMPLOYER_NAME": employer, "TRADE_NAME_DBA": trade, "JOB_TITLE": job,
            "SOC_CODE": "45-2092.00", "SOC_TITLE": "Farmworkers and Laborers, Crop, Nursery, and Greenhouse",
            "WORKSITE_CITY": city, "WORKSITE_COUNTY": "MONTEREY", "WORKSITE_STATE": state, "WAGE_OFFER": wage,
            "PER": per, "REQUESTED_BEGIN_DATE": begin, "REQUESTED_END_DATE": end,
            "EMPLOYMENT_BEGIN_DATE": None if denied else begin, "EMPLOYMENT_END_DATE": None if denied else end,
            "TOTAL_WORKERS_NEEDED": requested, "TOTAL_WORKERS_H-2A_REQUESTED": requested,
            "TOTAL_WORKERS_H-2A_CERTIFIED": None if denied else certified, "NAICS_CODE": 111219,
            "LAWFIRM_NAME_BUSINESS_NAME": lawfirm}


SAMPLE_H2A = [
    case("H-300-25041-123456"),
    case("H-300-25050-222222", status="Determination Issued - Partial Certification", employer="GREEN VALLEY FARMS INC",
         city="LAKELAND", state="FL", certified=8, requested=20, wage=16.23),
    case("H-300-25060-333333", status="Determination Issued - Denied", employer="SUNNY ACRES LLC", state="NC",
         city="DUNN"),
    case("H-300-25070-444444", status="Determination Issued - Withdrawn", employer="BLUE RIDGE ORCHARDS",
         state="VA", city="WINCHESTER"),
    case("H-300-25080-555555", employer="BAD HARVEST LLC", city="YAKIMA", state="WA", wage=19.82),
    case("H-300-24300-666666", employer="RANCHO SOL LLC", city="SALINAS", state="CA", begin=D(2024, 12, 1),
         end=D(2025, 6, 30), decision=D(2024, 11, 1)),
    case("H-300-25090-888888", employer="PINE HILL TOBACCO", city="WILSON", state="NC",
         lawfirm="CROOKED LABOR AGENTS, INC."),
]
SAMPLE_H2B = [
    {"CASE_NUMBER": "H-400-25010-777777", "CASE_STATUS": "Determination Issued - Certification",
     "RECEIVED_DATE": D(2024, 11, 1), "DECISION_DATE": D(2025, 1, 5), "EMPLOYER_NAME": "COASTAL CRAB CO",
     "JOB_TITLE": "Crab pickers", "WORKSITE_CITY": "HOOPERS ISLAND", "WORKSITE_STATE": "MD",
     "BASIC_WAGE_RATE_FROM": 15.5, "PER": "Hour", "EMPLOYMENT_BEGIN_DATE": D(2025, 4, 1),
     "EMPLOYMENT_END_DATE": D(2025, 12, 1), "TOTAL_WORKERS_REQUESTED": 30, "TOTAL_WORKERS_CERTIFIED": 30},
]
SAMPLE_OLD = [
    {"CASE_NO": "C-11060-28222", "CASE_STATUS": "CERTIFIED - FULL", "CASE_RECEIVED_DATE": "01/10/2011",
     "DECISION_DATE": "03/01/2011", "EMPLOYER_NAME": "OLD TOBACCO FARM", "JOB_TITLE": "FARMWORKER",
     "ALIEN_WORK_CITY": "WILSON", "ALIEN_WORK_STATE": "NC", "BASIC_RATE_OF_PAY": "9.30",
     "BASIC_UNIT_OF_PAY": "Hour", "CERTIFICATION_BEGIN_DATE": "04/01/2011", "CERTIFICATION_END_DATE": "10/31/2011",
     "NBR_WORKERS_REQUESTED": "10", "TOTAL_WORKERS_H2A_CERTIFIED": "10"},
]
SAMPLE_DEBARRED = [
    {"Name": "Bad Harvest, LLC", "City, State": "Yakima, WA", "Program": "H-2A", "Start Date": D(2024, 1, 15),
     "End Date": D(2031, 1, 14)},
    {"Name": "Crooked Labor Agents Inc", "City, State": "Tifton, GA", "Program": "H-2A",
     "Start Date": D(2023, 5, 1), "End Date": D(2030, 4, 30)},
]


def write_xlsx(path, headers, rows, title=None):
    """Write rows (dicts by column name) as an .xlsx file the way openpyxl's streaming writer does."""
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet1")
    if title:
        sheet.append([title])
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    book.save(path)
    return path


def write_csv(path, headers, rows):
    """Write rows (dicts by column name) as a CSV file, dates as DOL's CSVs write them (YYYY-MM-DD)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(headers)
        for row in rows:
            writer.writerow([_csv_value(row.get(h)) for h in headers])
    return path


def _csv_value(value):
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return "" if value is None else value


def generated(n, seed_employers=4000):
    """Yield n generated H-2A rows: realistic widths, a few thousand employers, unique case numbers."""
    states = ["CA", "FL", "NC", "GA", "WA", "NY", "MI", "TX", "VA", "LA", "AZ", "ID", "KY", "SC", "OR"]
    statuses = ["Determination Issued - Certification"] * 8 + ["Determination Issued - Partial Certification",
                                                               "Determination Issued - Withdrawn"]
    for i in range(n):
        e = i % seed_employers
        yield case(f"H-300-25{(i // 1000) % 365 + 1:03d}-{100000 + i:06d}", status=statuses[i % 10],
                   employer=f"{['RANCHO', 'FARMS', 'ORCHARDS', 'GROWERS', 'NURSERY'][e % 5]} {e:04d} "
                            f"{['LLC', 'INC', 'CO', 'LTD'][e % 4]}",
                   city=f"TOWN {e % 300}", state=states[e % len(states)], wage=15 + (i % 700) / 100,
                   trade=f"DBA {e:04d}" if e % 7 == 0 else "")


# OFLC's debarment list as published (issue 21): a PDF table with these headings, section headings above
# its parts (PERM, H-2A and H-2B entries mixed), full state names, footnote marks and some malformed dates.
PDF_HEADERS = ["Entity", "Entity Type", "Employer Location", "Start of Debarment", "End of Debarment", "Violation",
               "CFR Citation"]
PDF_SECTIONS = [
    ("PERM Debarments", [
        ["Perm Only Staffing Corp", "Employer", "Clinton, North Carolina", "March 3, 2021", "March 2, 2024",
         "Fraud", "20 CFR 656.31(f)"],
        ["Rancho Sol LLC", "Employer", "Salinas, California", "January 5, 2023", "January 4, 2030",
         "Willful misrepresentation", "20 CFR 656.31(f)"]]),
    ("H-2A Debarments", [
        ["Bad Harvest LLC", "Employer", "Clinton, North Carolina", "May 13, 2020", "May 12, 2030",
         "Failure to pay wages", "20 CFR 655.182"],
        ["Antonio Sanchez*", "Agent", "Tifton, Georgia", "September, 24. 2022", "Permanent",
         "Fee charging", "20 CFR 655.182"],
        ["Placement Services Global1", "Agent", "Yakima, Washington", "September 2, 202", "December 31, 2029",
         "Fee charging", ""],
        ["Ghost Fields Inc", "Employer", "Dunn, North Carolina", "June 1, 2024", "May 31, 2030",
         "Failure to comply", "29 CFR 501.20"]]),
    ("H-2B Debarments", [
        ["Coastal Crab Co", "Employer", "Hoopers Island, Maryland", "April 1, 2024", "March 31, 2030",
         "Wage violations", "20 CFR 655.73"]]),
]
# OFLC's list of expired H-2A debarments.
EXPIRED_HEADERS = ["Name", "City, State", "Violation", "Duration", "Start date", "End date"]
EXPIRED_ROWS = [["Old Tobacco Farm", "Wilson, North Carolina", "Failure to pay wages", "3 years", "March 1, 2012",
                 "February 28, 2015"]]


def write_debarment_pdf(path, sections=PDF_SECTIONS, headers=PDF_HEADERS, title="OFLC Debarment List"):
    """Write a debarment list as OFLC's PDF lays it out: a title, then per section a heading line above a
    ruled table (the header row repeated), in landscape like DOL's (fpdf2)."""
    from fpdf import FPDF
    pdf = FPDF(orientation="L", format="letter")
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 10, title, new_x="LMARGIN", new_y="NEXT")
    for heading, rows in sections:
        pdf.set_font("Helvetica", "B", 12)
        if heading:
            pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 8)
        with pdf.table(repeat_headings=1) as table:
            for row in [headers] + rows:
                line = table.row()
                for cell in row:
                    line.cell(cell)
        pdf.ln(4)
    pdf.output(str(path))
    return path


def write_zip_bomb(path, part, unpacked_mb, piece):
    """Write an .xlsx-shaped zip whose one large part inflates to unpacked_mb of repeated piece (issue 23):
    40 million empty rows in the sheet, or shared strings of one letter repeated."""
    import zipfile
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org'
                                             '/package/2006/content-types"/>')
        book.writestr("xl/workbook.xml", '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                                         'main"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>'
                                         '</workbook>')
        with book.open(part, "w", force_zip64=True) as out:
            chunk = piece * (2**20 // len(piece))
            for _ in range(unpacked_mb):
                out.write(chunk)
    return path
