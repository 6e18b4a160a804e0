"""The dashboard makes no request off the machine: it must work on a secure network with no internet."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.dashboard.test_browser import open_first_family_network, sign_in

#: Schemes a page may use without the network.
_LOCAL_SCHEMES = {"data", "blob", "about"}


def test_no_page_requests_anything_off_the_machine(served_app, page):
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    sign_in(page, served_app.url, "mash", "Referral 2026-0199 (browser offline)")
    open_first_family_network(page)
    served = urlparse(served_app.url).netloc
    outside = sorted({u for u in asked if urlparse(u).scheme not in _LOCAL_SCHEMES and urlparse(u).netloc != served})
    assert asked, "the pages made requests"
    assert outside == [], f"requests off the machine: {outside}"
