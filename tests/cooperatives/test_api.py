"""The registry API: list envelope, filters, the detail record, and coded errors (never a 500)."""

from __future__ import annotations

import pytest

from harkop.cooperatives import services
from harkop.cooperatives.vocab import Jenis

JULY_26 = "2024-07-26T09:00:00+08:00"
ASPECTS = {"tata_kelola": 85, "profil_risiko": 70, "kinerja_keuangan": 80, "permodalan": 90}


def _auth(token):
    return {"Authorization": f"Bearer {token}"}


def test_list_envelope_filters_and_paging(client, make_cooperative):
    """GET /cooperatives answers the list envelope and applies q and every filter."""
    a = make_cooperative(nik="6471333300000001", name="Koperasi API Alpha", jenis=Jenis.konsumen)
    make_cooperative(
        nik="6471333300000002", name="Koperasi API Beta", jenis=Jenis.jasa, kecamatan_code="balikpapan_kota"
    )
    body = client.get("/api/v1/cooperatives?q=koperasi api&per_page=1").get_json()
    assert set(body) == {"items", "total", "page", "per_page"}
    assert (body["total"], body["per_page"], len(body["items"])) == (2, 1, 1)
    body = client.get("/api/v1/cooperatives?q=api&jenis=konsumen").get_json()
    assert [i["nik"] for i in body["items"]] == [a.nik]
    item = body["items"][0]
    assert set(item) == {
        "nik",
        "name",
        "kecamatan",
        "kelurahan",
        "jenis",
        "status",
        "grade",
        "predikat",
        "rat_terlambat",
    }
    assert client.get("/api/v1/cooperatives?q=api&kecamatan=balikpapan_kota").get_json()["total"] == 1
    assert (
        client.get("/api/v1/cooperatives?q=6471333300000002").get_json()["items"][0]["name"]
        == "Koperasi API Beta"
    )
    assert client.get("/api/v1/cooperatives?q=api&grade=D").status_code == 200


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("status=hidup", "invalid_filter"),
        ("predikat=baik", "invalid_filter"),
        ("kecamatan=jakarta", "invalid_filter"),
        ("page=0", "invalid_page"),
        ("per_page=1000", "invalid_page"),
        ("page=abc", "invalid_page"),
        ("page=230262345454048833278488810094592", "invalid_page"),
    ],
)
def test_list_refuses_bad_arguments_with_422(client, query, code):
    """Unknown filter values and bad paging are a coded 422 (a query value its schema refuses)."""
    response = client.get(f"/api/v1/cooperatives?{query}")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_detail_has_status_reasons_grade_rat_assessment_achievements(client, make_cooperative, fake_now):
    """GET /cooperatives/<nik> carries the standing computed today and no personal data."""
    fake_now(JULY_26)
    coop = make_cooperative(nik="6471333300000003", name="Koperasi API Detail", phone="0812999888")
    services.record_rat(coop, book_year=2023, held_on="2024-04-20", by="t")
    services.add_assessment(
        coop, book_year=2023, examined_on="2024-05-14", examiner="Pak Pemeriksa", aspects=ASPECTS, by="t"
    )
    services.set_inactive_reason(coop, "tidak_melapor", by="t")
    services.record_achievement(coop.id, title="Juara 2", year=2024, source_ref="x:1", rank_label="Juara 2")
    body = client.get(f"/api/v1/cooperatives/{coop.nik}").get_json()
    assert body["status"] == "tidak_aktif"
    assert [r["code"] for r in body["reasons"]] == ["tidak_melapor"]
    assert body["grade"] == "c2" and body["grade_book_years"] == [2023, 2022, 2021]
    assert body["rat_years"] == [{"book_year": 2023, "held_on": "2024-04-20", "late": False}]
    assert body["latest_assessment"]["predikat"] == "sehat"
    assert body["latest_assessment"]["aspects"]["kinerja_keuangan"] == "80.00"
    assert body["achievements"][0]["title"] == "Juara 2"
    text = str(body)
    assert "0812999888" not in text and "Pak Pemeriksa" not in text


def test_detail_of_unknown_nik_is_404(client):
    """An unknown NIK is a coded 404."""
    response = client.get("/api/v1/cooperatives/9999999999999999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "cooperative_not_found"


def test_post_assessment_with_aspects_defaults_examined_on_to_today(
    client, api_token, make_cooperative, fake_now
):
    """An aspect-level body (book year, date, the four aspects) returns the stored assessment with final_score and predikat."""
    fake_now(JULY_26)
    _user, token = api_token("admin")
    coop = make_cooperative()
    response = client.post(
        f"/api/v1/cooperatives/{coop.nik}/assessments",
        json={"book_year": 2023, "aspects": ASPECTS},
        headers=_auth(token),
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["final_score"], body["predikat"], body["examined_on"]) == ("81.50", "sehat", "2024-07-26")
    assert body["cooperative"]["predikat"] == "sehat"
    again = client.post(
        f"/api/v1/cooperatives/{coop.nik}/assessments",
        json={"book_year": 2023, "examined_on": "2024-05-14", "aspects": ASPECTS},
        headers=_auth(token),
    )
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "assessment_exists"
    replaced = client.post(
        f"/api/v1/cooperatives/{coop.nik}/assessments",
        json={
            "book_year": 2023,
            "examined_on": "2024-05-14",
            "aspects": dict.fromkeys(ASPECTS, 60),
            "replace": True,
        },
        headers=_auth(token),
    )
    assert replaced.status_code == 201 and replaced.get_json()["predikat"] == "dalam_pengawasan"


def test_post_assessment_with_indicator_answers(client, api_token, make_cooperative, fake_now):
    """Indicator answers instead of aspects are scored and stored with their categories."""
    fake_now(JULY_26)
    _user, token = api_token("admin")
    coop = make_cooperative()
    answers = {
        ind.code: {"fulfilled": 3, "items": 4} if ind.kind == "checklist" else {"value": 50}
        for ind in services.indicator_set().indicators
    }
    response = client.post(
        f"/api/v1/cooperatives/{coop.nik}/assessments",
        json={"book_year": 2023, "examined_on": "2024-05-14", "indicators": answers},
        headers=_auth(token),
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["indicators"]["tk_manajemen"]["kategori"] == "cukup_sehat"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "invalid_json"),
        ([1, 2], 400, "invalid_json"),
        ({"book_year": 2023}, 422, "invalid_assessment"),
        ({"book_year": "x", "aspects": ASPECTS}, 422, "invalid_book_year"),
        ({"book_year": 2**63, "aspects": ASPECTS}, 422, "invalid_book_year"),
        (123, 400, "invalid_json"),
        ({"book_year": 2023, "aspects": {"tata_kelola": 80}}, 422, "assessment_aspect_missing"),
        (
            {"book_year": 2023, "aspects": {**ASPECTS, "permodalan": 120}},
            422,
            "assessment_aspect_out_of_range",
        ),
        ({"book_year": 2023, "aspects": {**ASPECTS, "permodalan": [1]}}, 422, "assessment_not_a_number"),
        ({"book_year": 2023, "aspects": "85"}, 422, "assessment_bad_aspects"),
        ({"book_year": 2023, "examined_on": 20240514, "aspects": ASPECTS}, 422, "invalid_examined_on"),
        ({"book_year": 2023, "examined_on": "2023-02-30", "aspects": ASPECTS}, 422, "invalid_assessment"),
        ({"book_year": True, "aspects": ASPECTS}, 422, "invalid_book_year"),
        ({"book_year": 2023, "aspects": ASPECTS, "replace": "ya"}, 422, "invalid_replace"),
        ({"book_year": 2023, "indicators": {"nope": {}}}, 422, "assessment_unknown_indicator"),
    ],
)
def test_post_assessment_errors_are_coded(client, api_token, make_cooperative, fake_now, body, status, code):
    """Every malformed body gets a coded 400 or 422, never a 500."""
    fake_now(JULY_26)
    _user, token = api_token("admin")
    coop = make_cooperative()
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) else {"json": body}
    response = client.post(f"/api/v1/cooperatives/{coop.nik}/assessments", headers=_auth(token), **kwargs)
    assert response.status_code == status, response.get_json()
    assert response.get_json()["error"]["code"] == code


def test_post_to_unknown_cooperative_is_404(client, api_token):
    """Writing to a NIK not in the registry is a coded 404."""
    _user, token = api_token("admin")
    response = client.post(
        "/api/v1/cooperatives/9999999999999999/rat",
        json={"book_year": 2023, "held_on": "2024-04-20"},
        headers=_auth(token),
    )
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "cooperative_not_found"


def test_post_rat_records_and_returns_the_new_standing(client, api_token, make_cooperative, fake_now):
    """POST /rat stores the RAT and answers with the cooperative's status and grade after it."""
    fake_now(JULY_26)
    _user, token = api_token("admin")
    coop = make_cooperative()
    response = client.post(
        f"/api/v1/cooperatives/{coop.nik}/rat",
        json={"book_year": 2023, "held_on": "2024-04-20"},
        headers=_auth(token),
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["book_year"] == 2023 and body["cooperative"]["status"] == "aktif"
    assert body["cooperative"]["rat_terlambat"] is False


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"book_year": 2023}, "invalid_rat"),
        ({"book_year": 2023, "held_on": "2023-06-01"}, "invalid_rat"),
        ({"book_year": 2024, "held_on": "2024-07-01"}, "invalid_rat"),
        ({"book_year": 2023, "held_on": "2099-01-01"}, "invalid_rat"),
        ({"book_year": [2023], "held_on": "2024-01-05"}, "invalid_book_year"),
        ({"book_year": 2023, "held_on": 5}, "invalid_held_on"),
    ],
)
def test_post_rat_errors_are_coded_422(client, api_token, make_cooperative, fake_now, body, code):
    """Impossible RATs are a coded 422 naming the field."""
    fake_now(JULY_26)
    _user, token = api_token("admin")
    coop = make_cooperative()
    response = client.post(f"/api/v1/cooperatives/{coop.nik}/rat", json=body, headers=_auth(token))
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_openapi_documents_the_registry_routes(client):
    """The generated OpenAPI document carries the registry's paths and their declared errors."""
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/cooperatives/{nik}/assessments" in spec["paths"]
    post = spec["paths"]["/api/v1/cooperatives/{nik}/assessments"]["post"]
    assert {"201", "409", "422"} <= {str(k) for k in post["responses"]}
    params = {p["name"] for p in spec["paths"]["/api/v1/cooperatives"]["get"]["parameters"]}
    assert {"q", "kecamatan", "jenis", "status", "grade", "predikat", "page"} <= params
