"""The staff workspace's door: who gets in, where they land, what a citizen is refused."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.support.portal import Platform, assert_accessible, sign_in


def test_a_clerk_lands_in_the_workspace_of_their_departments(page: Page, platform: Platform):
    sign_in(page, "clerk.kim", "clerk", "Kim Clerk", departments=("roads", "parks"))

    expect(page).to_have_url(f"{platform.url}/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Ihr Arbeitsplatz")
    expect(page.get_by_text("roads, parks")).to_be_visible()
    navigation = page.get_by_role("navigation", name="Hauptnavigation")
    expect(navigation.get_by_role("link", name="Termine", exact=True)).to_have_count(0)
    assert_accessible(page)


def test_a_citizen_opens_no_staff_page_and_a_visitor_is_asked_to_sign_in(
    page: Page, platform: Platform
):
    page.goto("/staff")
    expect(page.get_by_role("heading", level=1)).to_have_text("Anmelden")

    sign_in(page, "erika", "citizen")
    answer = page.goto("/staff")

    assert answer.status == 403
    expect(page.get_by_text("Diese Seite ist für Ihr Konto nicht vorgesehen.")).to_be_visible()
    assert_accessible(page)


def test_departments_that_are_not_names_get_a_message_at_their_field(
    page: Page, platform: Platform
):
    sign_in(page, "clerk.kim", "clerk", departments=("roads", "<script>"))

    summary = page.get_by_role("alert")
    expect(
        summary.get_by_role("link", name="Fachbereiche: Bitte die Fachbereiche", exact=False)
    ).to_be_visible()
    expect(page.get_by_label("Fachbereiche")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)
