"""Customers of every organisation: an installer company keeps its own after-sales customers with their
administrative data, sites with coordinates (and their map) and files; a provider's subscribers stay as they were;
nobody else sees any of it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client

from fieldbox.accounts import services as accounts
from fieldbox.accounts.models import User
from fieldbox.accounts.tests.fixtures import Tenant, signed_in
from fieldbox.core import files
from fieldbox.core.models import AuditEvent
from fieldbox.fleet import panels, services
from fieldbox.fleet.models import Customer, CustomerAddress, CustomerFile
from fieldbox.fleet.tests.factories import registry

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SITES = {
    "addr-TOTAL_FORMS": "2",
    "addr-INITIAL_FORMS": "0",
    "addr-0-kind": "head_office",
    "addr-0-name": "Sede",
    "addr-0-street": "Via Roma 1",
    "addr-0-city": "Torino",
    "addr-0-country": "IT",
    "addr-0-latitude": "45.0703393",
    "addr-0-longitude": "7.686864",
    "addr-1-kind": "plant",
    "addr-1-name": "Stabilimento di Rivoli",
    "addr-1-street": "Corso Francia 9",
    "addr-1-city": "Rivoli",
    "addr-1-country": "IT",
    "addr-1-latitude": "45,071",  # a decimal comma, as an Italian keyboard writes it
    "addr-1-longitude": "7,5146",
}
COMPANY = {
    "kind": "company",
    "company_name": "Caseificio Alpino",
    "code": "C-001",
    "vat_number": "IT 007 431 10157",
    "fiscal_code": "00743110157",
    "sdi_code": "m5uxcr1",
    "pec": "Amministrazione@PEC.Caseificio.example",
    "payment_terms": "30fm",
    "language": "it",
}


def api(tenant: Tenant, user: User) -> dict[str, str]:
    _token, raw = accounts.token_create(scope=tenant.scope(user), name="test", days=1)
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def own_customer(tenant: Tenant, **sites: Any) -> Customer:
    """A customer of the tenant's installer company, with a site with coordinates."""
    site = {"kind": "plant", "name": "Stalla", "street": "Via Po 2", "city": "Bra", "latitude": 44.7, "longitude": 7.85}
    return services.customer_save(
        scope=tenant.scope(tenant.company_admin),
        data={"kind": "company", "company_name": "Latteria Bra"},
        addresses=[{**site, **sites}],
    )


def test_an_installer_company_keeps_its_own_customer_with_administrative_data_and_sites(tenant):
    client = signed_in(tenant.company_admin)
    assert 'href="/customers/"' in client.get("/").content.decode()  # the menu leads there
    page = client.post("/customers/new/", {**COMPANY, **SITES}, follow=True).content.decode()
    customer = Customer.objects.get(company_name="Caseificio Alpino")
    assert customer.organisation == tenant.company and "Customer Caseificio Alpino saved." in page
    assert (customer.vat_number, customer.fiscal_code, customer.sdi_code) == ("IT00743110157", "00743110157", "M5UXCR1")
    assert (customer.pec, customer.payment_terms) == ("amministrazione@pec.caseificio.example", "30fm")
    head, plant = customer.addresses.order_by("pk")
    assert (head.name, head.latitude, head.longitude) == ("Sede", Decimal("45.070339"), Decimal("7.686864"))
    assert (plant.kind, plant.latitude, plant.longitude) == ("plant", Decimal("45.071000"), Decimal("7.514600"))
    assert AuditEvent.objects.filter(action="customer.create", object_id=str(customer.pk)).exists()
    assert "IT00743110157" in page and "30 days end of month" in page and "Stabilimento di Rivoli" in page
    assert "https://www.openstreetmap.org/?mlat=45.071000&amp;mlon=7.514600" in page
    listed = client.get("/customers/?q=00743110157").content.decode()
    assert "Caseificio Alpino" in listed and "C-001" in listed
    export = client.get("/customers/?format=csv").content.decode()
    assert "IT00743110157" in export and "M5UXCR1" in export


def test_a_vat_number_that_fails_its_check_is_named_and_nothing_is_saved(tenant):
    client = signed_in(tenant.company_admin)
    page = client.post("/customers/new/", {**COMPANY, **SITES, "vat_number": "IT01234567897"}).content.decode()
    assert "This VAT number is not valid" in page and 'href="#id_vat_number"' in page
    assert not Customer.objects.exists() and not CustomerAddress.objects.exists()
    scope = tenant.scope(tenant.company_admin)
    with pytest.raises(ValidationError) as refused:
        services.customer_save(scope=scope, data={**COMPANY, "vat_number": "12345", "fiscal_code": "RSSMRA85T10A562X"})
    assert set(refused.value.message_dict) == {"vat_number", "fiscal_code"}
    assert not Customer.objects.exists()


def test_coordinates_out_of_range_or_alone_name_the_site_and_save_nothing(tenant):
    client = signed_in(tenant.company_admin)
    page = client.post("/customers/new/", {**COMPANY, **SITES, "addr-1-latitude": "91"}).content.decode()
    assert "A latitude lies between -90 and 90." in page and not Customer.objects.exists()
    page = client.post("/customers/new/", {**COMPANY, **SITES, "addr-1-longitude": ""}).content.decode()
    assert 'id="id_addr-1-longitude-errors"' in page and "Give both the latitude and the longitude" in page
    assert not Customer.objects.exists()
    auth = api(tenant, tenant.company_admin)
    site = {"street": "Via Po 2", "city": "Bra", "latitude": 44.7, "longitude": 7.85}
    body = {"kind": "company", "company_name": "Latteria", "addresses": [site, {**site, "latitude": 91}]}
    answer = Client().post("/api/v1/customers", body, content_type="application/json", **auth)
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["errors"] == [{"field": "addresses", "message": "Site 2: A latitude lies between -90 and 90."}]
    alone = {**body, "addresses": [{**site, "longitude": None}]}
    answer = Client().post("/api/v1/customers", alone, content_type="application/json", **auth)
    assert "Site 1: Give both the latitude and the longitude, or neither." in answer.json()["errors"][0]["message"]
    assert not Customer.objects.exists() and not CustomerAddress.objects.exists()


def test_a_providers_customers_are_unchanged_and_sites_keep_their_rows(tenant):
    first, second = registry(tenant.provider), registry(tenant.provider)
    CustomerAddress.objects.create(customer=first.customer, kind="residence", street="Via Dante 3", city="Milano")
    client = signed_in(tenant.care)
    page = client.get("/customers/").content.decode()
    assert first.customer.display_name in page and second.customer.display_name in page
    shown = client.get(f"/customers/{first.customer.pk}/").content.decode()
    assert "+393331234567" in shown and "Via Dante 3" in shown and first.subscription.number in shown
    assert Customer.objects.get(pk=first.customer.pk).phone == "+393331234567"
    # An edit through the API keeps the site's row (what points to it stays), changes only what was sent.
    [site] = first.customer.addresses.all()
    auth = api(tenant, tenant.care)
    body = {"phone": "333 765 4321", "addresses": [{"id": site.pk, "street": "Via Dante 5", "city": "Milano"}]}
    answer = Client().patch(f"/api/v1/customers/{first.customer.pk}", body, content_type="application/json", **auth)
    assert answer.status_code == 200, answer.content
    assert answer.json()["phone"] == "+393337654321" and answer.json()["last_name"] == first.customer.last_name
    assert answer.json()["addresses"] == [
        {
            **{"id": site.pk, "kind": "residence", "name": "", "street": "Via Dante 5", "postcode": ""},
            **{"city": "Milano", "country": "IT", "latitude": None, "longitude": None},
        }
    ]
    assert signed_in(tenant.company_admin).get(f"/customers/{first.customer.pk}/").status_code == 404


def test_another_organisation_gets_404_on_the_page_the_files_and_the_api(tenant, other_tenant):
    customer = own_customer(tenant)
    stored = services.customer_file_add(
        scope=tenant.scope(tenant.company_admin),
        customer_id=customer.pk,
        upload=SimpleUploadedFile("contratto.pdf", PDF),
    )
    for user, org_tenant in ((other_tenant.company_admin, other_tenant), (tenant.care, tenant)):
        client = signed_in(user)
        for url in (f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/", f"/customers/files/{stored.pk}/"):
            assert client.get(url).status_code == 404, url
        assert client.post(f"/customers/files/{stored.pk}/delete/").status_code == 404
        upload = SimpleUploadedFile("x.pdf", PDF)
        assert client.post(f"/customers/{customer.pk}/files/", {"file": upload}).status_code == 404
        auth = api(org_tenant, user)
        base = f"/api/v1/customers/{customer.pk}"
        for url in (base, f"{base}/files", f"{base}/files/{stored.pk}"):
            assert Client().get(url, **auth).status_code == 404, url
        patch = Client().patch(base, {"phone": "3331234567"}, content_type="application/json", **auth)
        assert patch.status_code == 404
        assert Client().post(f"{base}/files", {"file": SimpleUploadedFile("y.pdf", PDF)}, **auth).status_code == 404
        assert Client().delete(f"{base}/files/{stored.pk}", **auth).status_code == 404
        assert customer.display_name not in Client().get("/api/v1/customers", **auth).content.decode()
    # The company's installer (no back-office role) is refused its own company's customers.
    assert signed_in(tenant.installer).get(f"/customers/{customer.pk}/").status_code == 403
    assert Client().get("/api/v1/customers", **api(tenant, tenant.installer)).status_code == 403
    assert CustomerFile.objects.filter(pk=stored.pk).exists()


def test_files_are_type_checked_size_limited_stored_under_a_random_name_and_removed(
    tenant, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    customer = own_customer(tenant)
    client = signed_in(tenant.company_admin)
    url = f"/customers/{customer.pk}/files/"
    exe = client.post(url, {"file": SimpleUploadedFile("setup.exe", b"MZ\x90\x00")}, follow=True).content.decode()
    assert "Files of this type are not kept." in exe
    fake = client.post(url, {"file": SimpleUploadedFile("fattura.pdf", b"MZ\x90\x00 no")}, follow=True)
    assert "does not match its type" in fake.content.decode()
    settings.CUSTOMER_FILE_MAX_BYTES = 20
    large = client.post(url, {"file": SimpleUploadedFile("grande.pdf", PDF)}, follow=True).content.decode()
    assert "The file is larger than 20" in large and not CustomerFile.objects.exists()
    auth = api(tenant, tenant.company_admin)
    answer = Client().post(f"/api/v1/customers/{customer.pk}/files", {"file": SimpleUploadedFile("a.pdf", PDF)}, **auth)
    assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "file"
    settings.CUSTOMER_FILE_MAX_BYTES = 1024
    page = client.post(url, {"file": SimpleUploadedFile("contratto.pdf", PDF)}, follow=True).content.decode()
    stored = CustomerFile.objects.get()
    assert "File contratto.pdf added." in page and "contratto.pdf" in page
    assert "contratto" not in stored.file.name and stored.content_type == "application/pdf"
    download = client.get(f"/customers/files/{stored.pk}/")
    assert b"".join(download.streaming_content) == PDF and "attachment" in download["Content-Disposition"]
    listed = Client().get(f"/api/v1/customers/{customer.pk}/files", **auth).json()
    assert [(f["name"], f["size"]) for f in listed] == [("contratto.pdf", len(PDF))]
    path = tmp_path / stored.file.name
    assert path.exists() and 'data-confirm="Remove the file' in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/customers/files/{stored.pk}/delete/")
    assert not CustomerFile.objects.exists() and not path.exists()
    assert list(
        AuditEvent.objects.filter(object_type="fleet.customer", object_id=str(customer.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "customer.create",
        "customer.file_add",
        "customer.file_remove",
    ]


def test_a_text_file_holding_binary_is_refused_and_utf16_text_kept():
    assert files.refusal("text/plain", b"MZ\x00\x00binary", 100) == "content"
    assert files.refusal("text/csv", "a;b\n".encode("utf-16"), 100) == ""
    assert files.refusal("text/csv", b"a;b\n", 3) == "too-large"
    assert files.type_of("Listino.XLSX") == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert files.clean_name("..\\..\\etc/passwd\x00.pdf") == "passwd.pdf"


def test_the_map_partial_draws_leaflet_only_with_a_tile_server(settings):
    sites = [
        CustomerAddress(name="Sede", street="Via Roma 1", city="Torino", latitude=Decimal("45.070339"), longitude=7.7),
        CustomerAddress(name="Senza", street="Via Po 1", city="Bra"),
    ]
    settings.MAP_TILE_URL = ""
    plain = render_to_string("fleet/_sites_map.html", {"sites": sites})
    assert "leaflet" not in plain.lower() and "data-sites-map" not in plain
    assert "45.070339, 7.7" in plain and "https://www.openstreetmap.org/?mlat=45.070339&amp;mlon=7.7" in plain
    assert "Senza" not in plain  # a site without coordinates is not on the map
    settings.MAP_TILE_URL = "https://tiles.example/{z}/{x}/{y}.png"
    settings.MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"
    drawn = render_to_string("fleet/_sites_map.html", {"sites": sites})
    assert "leaflet/leaflet.js" in drawn and 'data-tiles="https://tiles.example/{z}/{x}/{y}.png"' in drawn
    assert "© OpenStreetMap contributors" in drawn and "45.070339, 7.7" in drawn
    assert render_to_string("fleet/_sites_map.html", {"sites": sites[1:]}).strip() == ""


def test_other_apps_add_panels_to_the_customer_page_in_order(tenant, monkeypatch):
    monkeypatch.setattr(panels, "_makers", list(panels._makers))
    customer = own_customer(tenant)

    def late(scope, shown):
        return panels.Panel("Apparecchiature", "fleet/customer_subscriptions.html", {"subscriptions": []}, order=90)

    def early(scope, shown):
        return panels.Panel("Contatti", "fleet/customer_subscriptions.html", {"subscriptions": []}, order=20)

    panels.register(late)
    panels.register(early)
    panels.register(early)
    panels.register(lambda scope, shown: None)
    page = signed_in(tenant.company_admin).get(f"/customers/{customer.pk}/").content.decode()
    assert page.count("<h2>Contatti</h2>") == 1 and page.index("Contatti") < page.index("Apparecchiature")
    assert "<h2>Subscriptions</h2>" not in page  # a provider's panel: this company has none


def test_a_full_disk_keeps_nothing_and_says_so(tenant, settings, tmp_path, monkeypatch, caplog):
    """The media storage has no room left (fault injected where the bytes are written): the page and the API answer
    507 in the person's language, no file record is kept, and the operator finds the error in the log."""
    import errno

    from django.core.files.storage import FileSystemStorage

    def full(*args: Any, **kwargs: Any) -> str:
        raise OSError(errno.ENOSPC, "No space left on device")

    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(FileSystemStorage, "_save", full)
    customer = own_customer(tenant)
    client = signed_in(tenant.company_admin)
    client.cookies["fieldbox_language"] = "it"
    page = client.post(f"/customers/{customer.pk}/files/", {"file": SimpleUploadedFile("contratto.pdf", PDF)})
    assert page.status_code == 507 and "Archivio pieno" in page.content.decode()
    answer = Client().post(
        f"/api/v1/customers/{customer.pk}/files",
        {"file": SimpleUploadedFile("a.pdf", PDF)},
        **api(tenant, tenant.company_admin),
    )
    assert answer.status_code == 507 and answer["Content-Type"] == "application/problem+json"
    assert not CustomerFile.objects.exists() and not list(tmp_path.rglob("*.pdf"))
    assert "media storage is full" in caplog.text
