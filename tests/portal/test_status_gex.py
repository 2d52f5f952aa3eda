"""The status pages' Gerência-Executiva level (issue 19, 1): country → superintendência → GEX → entity, figures summed
per GEX, exports at each level, and who sees which GEX (a permission matrix over every status URL)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from typing import Any

import openpyxl
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import EntityKind, Member, Membership, PartnerEntity, User
from portal.permissions import NATIONAL_VIEW_GROUP, gex_group_names, regional_group_name
from portal.status import metrics
from rollout.models import GerenciaExecutiva, Superintendencia

NOW = timezone.now()
DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def clock_stopped_at_now(time_machine: Any) -> None:
    time_machine.move_to(NOW, tick=False)


def make_member(cpf: str, entity: PartnerEntity, **dates: Any) -> Member:
    member = Member.objects.create(cpf=cpf, name=f"Membro {cpf[:3]}", **dates)
    Membership.objects.create(member=member, entity=entity)
    return member


def gex(code: str, name: str, region: str) -> GerenciaExecutiva:
    return GerenciaExecutiva.objects.create(
        code=code, name=name, superintendencia=Superintendencia.objects.get(code=region), contact_email=f"{code}@x.br"
    )


@pytest.fixture
def dataset(entity_factory: Callable[..., PartnerEntity]) -> dict[str, Any]:
    """Sudeste I (SP): GEX Centro (SP-A, SP-B), GEX Interior (SP-C), SP-D in none; Sul: GEX Curitiba (PR-A), RS-A
    in none."""
    centro = gex("gex-sp-centro", "GEX São Paulo Centro", "sudeste-1")
    interior = gex("gex-sp-interior", "GEX Campinas", "sudeste-1")
    curitiba = gex("gex-curitiba", "GEX Curitiba", "sul")
    sp_a = entity_factory(code="SP-A", name="OAB SP", uf="SP", gex=centro)
    sp_b = entity_factory(code="SP-B", name="Prefeitura B", uf="SP", kind=EntityKind.MUNICIPIO, gex=centro)
    sp_c = entity_factory(code="SP-C", name="Prefeitura C", uf="SP", kind=EntityKind.MUNICIPIO, gex=interior)
    sp_d = entity_factory(code="SP-D", name="Prefeitura D", uf="SP", kind=EntityKind.MUNICIPIO)
    pr_a = entity_factory(code="PR-A", name="OAB PR", uf="PR", gex=curitiba)
    entity_factory(code="RS-A", name="OAB RS", uf="RS")
    make_member("52601815906", sp_a, first_a3_login_at=NOW - 40 * DAY, certificate_not_after=NOW + 10 * DAY)
    make_member("08301661305", sp_a, last_password_login_at=NOW - 5 * DAY)
    make_member("78778932807", sp_b)
    make_member("31415926590", sp_c, first_a3_login_at=NOW - 3 * DAY)
    make_member("27182818205", sp_d)
    make_member("11144477735", pr_a, first_a3_login_at=NOW - 100 * DAY)
    return {"centro": centro, "interior": interior, "curitiba": curitiba}


@pytest.fixture
def login_as(staff_factory: Callable[..., User], staff_login: Callable[[User], Client]) -> Callable[..., Client]:
    def login(*groups: str) -> Client:
        return staff_login(staff_factory("20365418870", groups=groups))

    return login


#: A row's figures by column label: entities, ready, password, members, A3, at risk, adoption.
LABELS = ("Entidades", "Prontas (A3)", "Usando senha", "Membros", "Com login A3", "Em risco", "Adesão")


def row(html: str, row_id: str) -> list[str]:
    found = re.search(rf'<tr id="{row_id}">(.*?)</tr>', html, re.S)
    assert found, f"row {row_id} not on the page"
    cells = dict(re.findall(r'<td data-label="([^"]+)"[^>]*>(.*?)</td>', found.group(1), re.S))
    return [re.sub(r"<[^>]+>", "", cells[label]).strip() for label in LABELS]


def download(client: Client, url: str, **params: str) -> list[list[str]]:
    response = client.get(url, {**params, "exportar": "csv"}, secure=True)
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def test_superintendencia_page_sums_its_entities_per_gex_with_a_row_for_those_in_none(dataset, login_as):
    html = login_as(NATIONAL_VIEW_GROUP).get("/acompanhamento/sudeste-1/", secure=True).content.decode()

    assert row(html, "gex-gex-sp-centro") == ["2", "1", "1", "3", "1", "2", "33%"]
    assert row(html, "gex-gex-sp-interior") == ["1", "1", "0", "1", "1", "0", "100%"]
    assert row(html, "gex-sem") == ["1", "0", "0", "1", "0", "1", "0%"]
    assert 'href="/acompanhamento/gex/gex-sp-centro/"' in html
    assert "GEX Curitiba" not in html  # another superintendência's


def test_gex_page_shows_its_figures_and_only_its_entities_linking_down_to_each(dataset, login_as):
    html = login_as(NATIONAL_VIEW_GROUP).get("/acompanhamento/gex/gex-sp-centro/", secure=True).content.decode()

    assert '<dd id="n-entidades">2</dd>' in html and '<dd id="n-risco">2</dd>' in html
    assert 'href="/acompanhamento/entidade/SP-A/"' in html and 'href="/acompanhamento/entidade/SP-B/"' in html
    assert "SP-C" not in html and "SP-D" not in html
    trail = re.search(r'<nav class="br-breadcrumb".*?</nav>', html, re.S)
    assert trail and 'href="/acompanhamento/sudeste-1/"' in trail.group(0) and "GEX São Paulo Centro" in trail.group(0)


def test_entity_page_trail_goes_through_its_gex(dataset, login_as):
    html = login_as(NATIONAL_VIEW_GROUP).get("/acompanhamento/entidade/SP-C/", secure=True).content.decode()
    trail = re.search(r'<nav class="br-breadcrumb".*?</nav>', html, re.S)
    assert trail and 'href="/acompanhamento/gex/gex-sp-interior/"' in trail.group(0)


def test_region_entities_filter_by_gex_and_by_none(dataset, login_as):
    client = login_as(NATIONAL_VIEW_GROUP)
    centro = client.get("/acompanhamento/sudeste-1/", {"gex": "gex-sp-centro"}, secure=True).content.decode()
    table = centro[centro.index('id="entidades"') :]
    assert "SP-A" in table and "SP-B" in table and "SP-C" not in table and "SP-D" not in table
    none = download(client, "/acompanhamento/sudeste-1/", gex="-")
    assert [line[0] for line in none[1:]] == ["SP-D"]


def test_exports_at_each_level_carry_the_gex(dataset, login_as):
    client = login_as(NATIONAL_VIEW_GROUP)
    per_gex = download(client, "/acompanhamento/sudeste-1/", tabela="gex")
    assert per_gex[0][:4] == ["gerência-executiva", "código", "superintendência", "entidades"]
    assert [(line[1], line[3], line[7]) for line in per_gex[1:]] == [
        ("gex-sp-interior", "1", "1"),  # by name: "GEX Campinas" first
        ("gex-sp-centro", "2", "3"),
        ("", "1", "1"),
    ]
    entities = download(client, "/acompanhamento/gex/gex-sp-centro/", ordem="codigo")
    assert [line[0] for line in entities[1:]] == ["SP-A", "SP-B"]
    assert entities[0][-1] == "gerência-executiva" and entities[1][-1] == "gex-sp-centro"
    xlsx = client.get("/acompanhamento/gex/gex-sp-centro/", {"exportar": "xlsx"}, secure=True)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == 3
    region_entities = download(client, "/acompanhamento/sudeste-1/", ordem="codigo")
    assert [(line[0], line[-1]) for line in region_entities[1:]] == [
        ("SP-A", "gex-sp-centro"),
        ("SP-B", "gex-sp-centro"),
        ("SP-C", "gex-sp-interior"),
        ("SP-D", ""),
    ]


def test_a_gex_viewer_overview_lists_only_their_gex_without_superintendencias_or_charts(dataset, login_as):
    client = login_as(gex_group_names("GEX São Paulo Centro")[0])
    html = client.get("/acompanhamento/", secure=True).content.decode()

    assert row(html, "gex-gex-sp-centro") == ["2", "1", "1", "3", "1", "2", "33%"]
    assert 'id="sr-' not in html and "<svg" not in html
    assert "GEX Campinas" not in html
    export = download(client, "/acompanhamento/", tabela="gex")
    assert [line[1] for line in export[1:]] == ["gex-sp-centro"]
    gex_page = client.get("/acompanhamento/gex/gex-sp-centro/", secure=True).content.decode()
    trail = re.search(r'<nav class="br-breadcrumb".*?</nav>', gex_page, re.S)
    assert trail and "Superintendência Sudeste I" in trail.group(0)
    assert 'href="/acompanhamento/sudeste-1/"' not in trail.group(0)  # not theirs to open


def test_every_gex_group_may_follow_the_migration(dataset):
    for pk in (dataset["centro"].consulta_group_id, dataset["centro"].gestao_group_id):
        group = Group.objects.get(pk=pk)
        assert group.permissions.filter(codename="view_migration_status").exists(), group.name


CENTRO_READ, CENTRO_MANAGE = gex_group_names("GEX São Paulo Centro")
ROLES: dict[str, tuple[str, ...]] = {
    "national": (NATIONAL_VIEW_GROUP,),
    "sudeste-1": (regional_group_name("Sudeste I"),),
    "gex centro (consulta)": (CENTRO_READ,),
    "gex centro (gestão)": (CENTRO_MANAGE,),
    "gex curitiba": (gex_group_names("GEX Curitiba")[0],),
    "sul + gex centro": (regional_group_name("Sul"), CENTRO_READ),
}
URLS = (
    "/acompanhamento/sudeste-1/",
    "/acompanhamento/sul/",
    "/acompanhamento/gex/gex-sp-centro/",
    "/acompanhamento/gex/gex-sp-interior/",
    "/acompanhamento/gex/gex-curitiba/",
    "/acompanhamento/entidade/SP-A/",
    "/acompanhamento/entidade/SP-C/",
    "/acompanhamento/entidade/SP-D/",
    "/acompanhamento/entidade/PR-A/",
    "/acompanhamento/entidade/RS-A/",
)
#: What each role may open (the rest: 404, as for an unknown code — nothing tells them it exists).
ALLOWED: dict[str, set[str]] = {
    "national": set(URLS),
    "sudeste-1": {u for u in URLS if "sudeste-1" in u or "gex-sp-" in u or "/SP-" in u},
    "gex centro (consulta)": {"/acompanhamento/gex/gex-sp-centro/", "/acompanhamento/entidade/SP-A/"},
    "gex centro (gestão)": {"/acompanhamento/gex/gex-sp-centro/", "/acompanhamento/entidade/SP-A/"},
    "gex curitiba": {"/acompanhamento/gex/gex-curitiba/", "/acompanhamento/entidade/PR-A/"},
    "sul + gex centro": {
        "/acompanhamento/sul/",
        "/acompanhamento/gex/gex-curitiba/",
        "/acompanhamento/entidade/PR-A/",
        "/acompanhamento/entidade/RS-A/",
        "/acompanhamento/gex/gex-sp-centro/",
        "/acompanhamento/entidade/SP-A/",
    },
}


@pytest.mark.parametrize("role", list(ROLES))
def test_status_urls_by_role_matrix_pages_and_downloads(dataset, login_as, role):
    client = login_as(*ROLES[role])
    opened = {}
    for url in URLS:
        page = client.get(url, secure=True).status_code
        csv_download = client.get(url, {"exportar": "csv"}, secure=True).status_code
        assert page == csv_download, (url, page, csv_download)
        opened[url] = page
    assert {u for u, status in opened.items() if status == 200} == ALLOWED[role]
    assert {status for u, status in opened.items() if u not in ALLOWED[role]} <= {404}
    overview = client.get("/acompanhamento/", secure=True)
    assert overview.status_code == 200
    gex_export = download(client, "/acompanhamento/", tabela="gex")
    visible_gex_rows = {line[1] for line in gex_export[1:]}
    assert visible_gex_rows <= {u.split("/")[3] for u in ALLOWED[role] if "/gex/" in u}


def test_sp_b_is_in_the_matrix_as_another_entity_of_the_gex(dataset, login_as):
    """SP-B (GEX Centro) is opened by the GEX's reader; Interior's SP-C is not (a sibling GEX)."""
    client = login_as(CENTRO_READ)
    assert client.get("/acompanhamento/entidade/SP-B/", secure=True).status_code == 200
    assert client.get("/acompanhamento/entidade/SP-C/", {"exportar": "xlsx"}, secure=True).status_code == 404


def test_gex_page_queries_do_not_grow_with_its_entities(dataset, login_as, entity_factory):
    client = login_as(NATIONAL_VIEW_GROUP)

    def queries() -> int:
        client.get("/acompanhamento/gex/gex-sp-centro/", secure=True)
        metrics.forget_recent_figures()
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/acompanhamento/gex/gex-sp-centro/", secure=True).status_code == 200
        return len(captured)

    before = queries()
    for n in range(20):
        entity = entity_factory(code=f"SP-G{n}", uf="SP", gex=dataset["centro"])
        make_member(f"{n:03d}44400000"[:9] + "00", entity, last_password_login_at=NOW - DAY)
    assert queries() == before


def test_gex_page_says_when_its_figures_were_counted_without_the_daily_snapshot(dataset, login_as):
    from django.core.management import call_command

    notice = "A consolidação diária do acompanhamento ainda não foi executada"
    client = login_as(gex_group_names("GEX São Paulo Centro")[0])
    before = client.get("/acompanhamento/gex/gex-sp-centro/", secure=True).content.decode()
    assert notice in before and '<dd id="n-risco">2</dd>' in before
    call_command("status_rollup", stdout=io.StringIO())
    metrics.forget_recent_figures()
    after = client.get("/acompanhamento/gex/gex-sp-centro/", secure=True).content.decode()
    assert notice not in after and '<dd id="n-risco">2</dd>' in after
