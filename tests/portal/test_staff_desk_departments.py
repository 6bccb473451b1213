"""Whose desks a clerk works, in the browser: the demo town files both locations' desks under
the citizens' office (buergerbuero). A clerk of another department finds no location, no
list and no figures of theirs; an administrator who files the branch under a department of
its own hands its desks to that department's clerks alone."""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.support.portal import Platform, assert_accessible, sign_in

HALL = "Bürgerbüro im Rathaus"
BRANCH = "Bürgerbüro Soest-Nord"
NO_LOCATION = "An keinem Standort arbeiten Sie am Schalter"


def desk_choice(page: Page) -> list[str]:
    """The locations the desk page offers to choose from."""
    page.goto("/staff/desk")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    return [radio.get_attribute("value") or "" for radio in page.get_by_role("radio").all()]


def test_a_clerk_of_another_department_finds_nothing_of_the_offices_desks(
    page: Page, platform: Platform
):
    sign_in(page, "clerk.rolf", "clerk", "Rolf Straße", departments=("roads",))

    assert desk_choice(page) == []
    expect(page.get_by_text(NO_LOCATION)).to_be_visible()
    assert_accessible(page)

    # the hall's list asked for by its address: the page still offers nothing
    page.goto("/staff/desk?location=rathaus&desk=1")
    expect(page.get_by_text(NO_LOCATION)).to_be_visible()
    expect(page.get_by_text(HALL)).to_have_count(0)
    expect(page.get_by_role("alert")).to_have_count(0)

    page.goto("/staff/desk/statistics?location=rathaus")
    expect(page.get_by_text(NO_LOCATION)).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)
    expect(page.get_by_text(HALL)).to_have_count(0)
    assert_accessible(page)


def test_the_branch_filed_under_its_own_department_is_worked_by_its_clerks_alone(
    page: Page, browser: Browser, platform: Platform
):
    office = browser.new_context(base_url=platform.url, locale="de-DE").new_page()
    sign_in(office, "clerk.olga", "clerk", "Olga Amt", departments=("buergerbuero",))
    assert desk_choice(office) == ["rathaus", "soest-nord"]

    sign_in(page, "admin.anna", "admin", "Anna Admin")
    page.goto("/staff/admin/catalogue")
    page.get_by_role("link", name=BRANCH).click()
    expect(page.get_by_label("Fachbereich am Schalter")).to_have_value("buergerbuero")
    page.get_by_label("Fachbereich am Schalter").fill("buergerbuero nord")
    page.get_by_role("button", name="Speichern").first.click()
    expect(page.get_by_role("alert")).to_contain_text("Fachbereich am Schalter")
    expect(page.get_by_label("Fachbereich am Schalter")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
    page.get_by_label("Fachbereich am Schalter").fill("buergerbuero-nord")
    page.get_by_role("button", name="Speichern").first.click()
    expect(page.get_by_role("status")).to_have_text("Die Änderung ist gespeichert.")
    change = page.get_by_role("region", name="Änderungen").get_by_role("row", name="Anna Admin")
    expect(change.first).to_contain_text("buergerbuero-nord")
    assert_accessible(page)

    assert desk_choice(office) == ["rathaus"]
    office.goto("/staff/desk?location=soest-nord&desk=1")
    expect(office.get_by_role("heading", level=1)).not_to_contain_text(BRANCH)
    expect(office.get_by_text(BRANCH)).to_have_count(0)
    office.context.close()

    sign_in(page, "clerk.nina", "clerk", "Nina Nord", departments=("buergerbuero-nord",))
    assert desk_choice(page) == ["soest-nord"]
    page.get_by_label(BRANCH).check()
    page.get_by_label("Ihr Schalter (Nummer)").fill("1")
    page.get_by_role("button", name="Schalter öffnen").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(BRANCH)
    assert_accessible(page)
