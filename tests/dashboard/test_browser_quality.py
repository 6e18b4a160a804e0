"""The linkage quality page in Debian Chromium: the run's quality report, every section drawn, its figures the run's."""

from __future__ import annotations

from playwright.sync_api import expect

from linkage.report import MODEL_FALSE, SECTION_CHARTS, SECTIONS, report_for_run
from tests.dashboard.test_browser import settle, shoot, sign_in


def test_quality_report_tab_draws_every_section_and_chart(served_app, page):
    sign_in(page, served_app.url, "admin", "Linkage QA 2026-12 (browser quality report)")
    page.get_by_test_id("stSidebar").get_by_role("link", name="Linkage quality").click()
    expect(page.get_by_role("heading", name="Linkage quality and runs", exact=True)).to_be_visible()
    settle(page)
    expect(page.get_by_test_id("stException")).to_have_count(0)
    panel = page.get_by_role("tabpanel", name="Quality report")
    for section in SECTIONS:
        expect(panel.get_by_role("heading", name=section, exact=True)).to_be_visible()
    # Every chart drawn: vega-embed paints each into a canvas (or an SVG) once its spec has compiled.
    charts = panel.get_by_test_id("stVegaLiteChart")
    expect(charts).to_have_count(len(SECTION_CHARTS))
    for n in range(len(SECTION_CHARTS)):
        expect(charts.nth(n).locator("canvas, svg").first).to_be_visible()
    # Figures no review decision made by another test can move: the model's and the plausibility checks'.
    expected, _ = report_for_run(served_app.store.run)
    false = panel.get_by_test_id("stMetric").filter(has_text="False matches expected (model)")
    expect(false).to_contain_text(f"{expected.rate(MODEL_FALSE):.2%}")
    failures = panel.get_by_test_id("stMetric").filter(has_text="Plausibility failures")
    expect(failures).to_contain_text(f"{int(expected.plausibility['people'].sum()):,}")
    # One table per section, the agreement section one per comparison behind tabs.
    comparisons = expected.agreement["comparison"].nunique()
    expect(panel.get_by_test_id("stDataFrame")).to_have_count(len(SECTIONS) - 1 + comparisons)
    shoot(page, "quality-report")
    panel.get_by_text("The full report, as 'mash report' writes it").click()
    settle(page)
    expect(panel.get_by_role("heading", name="Definitions")).to_be_visible()
