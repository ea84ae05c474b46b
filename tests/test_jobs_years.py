"""Two fiscal years per program (issue 21): DOL's files hold one year each, and H-2A seasons cross October,
so loading FY N+1 must not drop the jobs of FY N; a file replaces only its own year's import."""
import jobfiles as jf
from test_jobs import one, person

D = jf.D
FY25 = [jf.case("H-300-25200-111111", employer="AUTUMN APPLES LLC", state="WA", city="WENATCHEE",
                begin=D(2025, 8, 1), end=D(2026, 1, 31), decision=D(2025, 7, 1))]
FY26_Q1 = [jf.case("H-300-25300-222222", employer="WINTER CITRUS INC", state="FL", city="IMMOKALEE",
                   begin=D(2025, 12, 1), end=D(2026, 5, 31), decision=D(2025, 11, 2))]
FY26_Q2 = FY26_Q1[:0] + [jf.case("H-300-26020-333333", employer="SPRING BERRIES LLC", state="CA", city="OXNARD",
                                 begin=D(2026, 3, 1), end=D(2026, 9, 30), decision=D(2026, 2, 1))]
FY27 = [jf.case("H-300-26300-444444", employer="NEXT YEAR FARMS", state="GA", city="TIFTON",
                begin=D(2026, 12, 1), end=D(2027, 6, 30), decision=D(2026, 11, 1))]


def run(app, *args):
    return app.test_cli_runner().invoke(args=["jobs", *map(str, args)])


def load(app, tmp_path, name, rows):
    result = run(app, "import", jf.write_xlsx(tmp_path / name, jf.H2A_HEADERS, rows))
    assert result.exit_code == 0, result.output
    return result.output


def found(app, number, phone="+15055550601"):
    return "certified by DOL" in one(person(app, "en", number=phone).send(number))


def test_a_new_fiscal_year_keeps_the_previous_one_and_a_new_quarter_replaces_its_own_year(app, tmp_path):
    out = load(app, tmp_path, "H-2A_Disclosure_Data_FY2025_Q4.xlsx", FY25)
    assert "fiscal year 2025" in out
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2026_Q1.xlsx", FY26_Q1)
    assert found(app, "H-300-25200-111111") and found(app, "H-300-25300-222222")  # work still running
    status = run(app, "status").output
    assert "H-2A fiscal year 2026: 1 case from H-2A_Disclosure_Data_FY2026_Q1.xlsx" in status, status
    assert "H-2A fiscal year 2025: 1 case from H-2A_Disclosure_Data_FY2025_Q4.xlsx" in status
    # FY2026 Q2 replaces FY2026 Q1 (cumulative in DOL's files), and FY2025 stays
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2026_Q2.xlsx", FY26_Q2)
    assert found(app, "H-300-26020-333333") and found(app, "H-300-25200-111111")
    assert not found(app, "H-300-25300-222222")
    # a year older than the two kept is refused in a sentence; nothing changes
    refused = run(app, "import", jf.write_xlsx(tmp_path / "H-2A_Disclosure_Data_FY2024.xlsx", jf.H2A_HEADERS,
                                               [jf.case("H-300-24100-555555")]))
    assert refused.exit_code != 0 and "older than the two years kept for H-2A (the newest is 2026)" in refused.output
    assert not found(app, "H-300-24100-555555")
    # FY2027: FY2026 becomes the previous year, FY2025 is dropped
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2027_Q1.xlsx", FY27)
    assert found(app, "H-300-26300-444444") and found(app, "H-300-26020-333333")
    assert not found(app, "H-300-25200-111111")
    status = run(app, "status").output
    assert "fiscal year 2027" in status and "fiscal year 2026" in status and "fiscal year 2025" not in status


def test_an_answer_says_the_date_of_the_file_its_case_came_from(app, tmp_path):
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2025_Q4.xlsx", FY25)
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2026_Q1.xlsx", FY26_Q1)
    older = one(person(app, "en").send("H-300-25200-111111"))
    assert "DOL data Jul 1, 2025" in older, older
    newer = one(person(app, "en", number="+15055550602").send("H-300-25300-222222"))
    assert "DOL data Nov 2, 2025" in newer, newer
    listing = one(person(app, "en", number="+15055550603").send("check employer autumn apples"))
    assert "AUTUMN APPLES LLC (WA, 2025, H-2A)" in listing  # the name search covers both years


def test_without_a_year_in_the_name_the_latest_decision_decides(app, tmp_path):
    # decided in November 2025: fiscal year 2026 (October starts the next year)
    out = load(app, tmp_path, "h2a.xlsx", FY26_Q1)
    assert "fiscal year 2026" in out
    out = load(app, tmp_path, "h2a-older.xlsx", FY25)
    assert "fiscal year 2025" in out
    assert found(app, "H-300-25300-222222") and found(app, "H-300-25200-111111")


def test_data_imported_before_fiscal_years_were_kept_reads_as_the_newest_year(app, tmp_path, redis_client):
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2025_Q4.xlsx", FY25)
    data = app.extensions["jobs"].data
    raw = redis_client.hgetall(data.meta)
    legacy = {b"h2a": raw[b"h2a.1"], b"h2a:info": raw[b"h2a.1:info"], b"h2a:date": raw[b"h2a.1:date"]}
    redis_client.hdel(data.meta, "h2a.1", "h2a.1:info", "h2a.1:date", "h2a.1:fy")
    redis_client.hset(data.meta, mapping=legacy)  # the meta hash as the previous release wrote it
    assert found(app, "H-300-25200-111111")
    assert "1 case from H-2A_Disclosure_Data_FY2025_Q4.xlsx" in run(app, "status").output
    load(app, tmp_path, "H-2A_Disclosure_Data_FY2026_Q1.xlsx", FY26_Q1)
    assert found(app, "H-300-25300-222222")
    assert b"h2a" not in redis_client.hgetall(data.meta)
