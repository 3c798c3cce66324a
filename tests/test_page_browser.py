"""The participant's page in a real browser: headless Chromium from Debian's packages
(``chromium``), driven by Selenium through Debian's ``chromium-driver``.

Why Selenium rather than Playwright: Playwright's Python package expects to download its
own browser builds (``playwright install``), which CI cannot fetch, and its support of a
system Chromium through ``executable_path`` is best effort across versions; Selenium talks
WebDriver to the ``chromedriver`` Debian builds for the very same ``chromium``, so the pair
always matches, and the Python package is a plain wheel from PyPI. Selenium Manager is
never asked to fetch anything: the driver's path is given.

At a phone's viewport (390x844) and a desktop's (1280x900): the page in French and in
English, every calendar link's target, the style and the script running under the page's
Content-Security-Policy (no violation in the console), the address never wrapped; consent
given, given twice (recorded once), withdrawn, posted with a forged or missing CSRF token
(refused, nothing written), the page outside the window; the directory downloaded and read
back by vobject; the dead link's page. Screenshots of each state go to tests/artifacts/
(git-ignored) for a person to look at. Skipped, saying why, without Chromium.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from page_support import PageWorld, end_window, page_world
from test_ical_support import free_port, serving

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).parent / "artifacts"
VIEWPORTS = {"phone": (390, 844), "desktop": (1280, 900)}

if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
    pytest.skip(
        "needs Debian's chromium and chromium-driver (.ci/debian-packages)",
        allow_module_level=True,
    )
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the test extra)")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


def browser(viewport: str, language: str, downloads: Path) -> Any:
    width, height = VIEWPORTS[viewport]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",  # CI runs as root
        "--disable-dev-shm-usage",
        f"--window-size={width},{height}",
        f"--lang={language}",
    ):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {
            "intl.accept_languages": language,
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        },
    )
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(20)
    if viewport == "phone":  # a phone's screen: the viewport meta tag is honoured
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
        )
    return driver


@pytest.fixture(scope="module")
def drivers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[tuple[str, str], Any]]:
    made: dict[tuple[str, str], Any] = {}
    downloads = tmp_path_factory.mktemp("downloads")

    def get(viewport: str, language: str) -> Any:
        if (viewport, language) not in made:
            made[viewport, language] = browser(viewport, language, downloads)
            made[viewport, language].downloads = downloads
        return made[viewport, language]

    yield get  # type: ignore[misc]
    for driver in made.values():
        driver.quit()


@pytest.fixture
def world(sqlite_url: str) -> Iterator[PageWorld]:
    port = free_port()
    made = page_world(
        sqlite_url, base_url=f"http://127.0.0.1:{port}", languages={"Karim Benali": "en"}
    )
    made.port = port  # type: ignore[attr-defined]
    with serving(made.app, base_url=f"http://127.0.0.1:{port}", port=port):
        yield made
    made.app.close()


def shot(driver: Any, name: str) -> None:
    """The whole page as a PNG, beyond the viewport (Chromium's DevTools screenshot)."""
    import base64

    ARTIFACTS.mkdir(exist_ok=True)
    picture = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True}
    )
    (ARTIFACTS / f"{name}.png").write_bytes(base64.b64decode(picture["data"]))


def csp_violations(driver: Any) -> list[str]:
    return [
        e["message"]
        for e in driver.get_log("browser")
        if "Content Security Policy" in e["message"] or "Refused" in e["message"]
    ]


def href(driver: Any, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).get_attribute("href")


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
@pytest.mark.parametrize(("person", "language"), [("Sophie Martin", "fr"), ("Karim Benali", "en")])
def test_the_page_and_every_calendar_link(drivers, world, viewport, person, language) -> None:  # type: ignore[no-untyped-def]
    driver = drivers(viewport, language)
    token = world.token(person)
    base = f"http://127.0.0.1:{world.port}"
    feed = f"{base}/feeds/{token}.ics"
    webcal = f"webcal://127.0.0.1:{world.port}/feeds/{token}.ics"
    driver.get(f"{base}/p/{token}")
    driver.get_log("browser")  # what came before this page
    driver.refresh()
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == language
    heading = {"fr": "Ajouter à mon agenda", "en": "Add to my calendar"}[language]
    assert heading in driver.find_element(By.TAG_NAME, "body").text
    assert href(driver, "apple") == webcal
    google = urlsplit(href(driver, "google"))
    assert (google.netloc, google.path, parse_qs(google.query)) == (
        "calendar.google.com",
        "/calendar/render",
        {"cid": [webcal]},
    )
    name = driver.find_element(By.TAG_NAME, "h1").text
    for anchor, host in (("outlook", "outlook.live.com"), ("office", "outlook.office.com")):
        link = urlsplit(href(driver, anchor))
        assert (link.netloc, link.path) == (host, "/calendar/0/addfromweb")
        assert parse_qs(link.query) == {"url": [feed], "name": [name]}
    assert href(driver, "download") == feed
    address = driver.find_element(By.ID, "feed-address")
    assert address.get_attribute("value") == feed and address.get_attribute("readonly")
    assert address.size["width"] >= 300  # wide enough to read, on a phone too
    # the style ran (its hash is allowed) and so did the script: the copy button shows
    button = driver.find_element(By.CSS_SELECTOR, "button[data-copy]")
    assert button.is_displayed()
    colour = driver.find_element(By.ID, "apple").value_of_css_property("background-color")
    assert colour == "rgba(29, 95, 191, 1)"
    # the page's address on one line, scrolling in its box, and nothing wider than the screen
    box = driver.find_element(By.ID, "page-address")
    line = driver.execute_script(
        "const s = getComputedStyle(arguments[0]); return parseFloat(s.lineHeight) || 20;", box
    )
    assert box.size["height"] < 2 * line + 12
    assert driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1"
    )
    svg = driver.find_element(By.CSS_SELECTOR, "svg.qr")
    assert svg.size["width"] >= 100  # the QR code is drawn
    button.click()
    copied = {"fr": "Copiée", "en": "Copied"}[language]
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 5).until(lambda d: button.text == copied)  # the clipboard answers later
    assert driver.execute_script(
        "const i = document.getElementById('feed-address'); "
        "return i.selectionEnd - i.selectionStart"
    ) == len(feed)
    assert csp_violations(driver) == []
    shot(driver, f"page-{language}-{viewport}")


def submit(driver: Any, form_id: str) -> None:
    """Press the form's button, and wait for the answer page: a new document, loaded (the
    old one carries a mark the new one does not). Not "the button went stale": chromedriver
    sometimes answers that question, mid-navigation, with an inspector error instead."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
    driver.execute_script("window.programsOldPage = true")
    button.click()

    def answered(d: Any) -> bool:
        try:
            return bool(
                d.execute_script(
                    "return window.programsOldPage === undefined"
                    " && document.readyState === 'complete'"
                )
            )
        except WebDriverException:  # the page is being replaced: not yet
            return False

    WebDriverWait(driver, 10).until(answered)


def wait_for_file(folder: Path, name: str) -> Path:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = folder / name
        if found.exists() and not any(folder.glob("*.crdownload")):
            return found
        time.sleep(0.1)
    raise AssertionError(f"{name} was not downloaded: {sorted(folder.iterdir())}")


def test_consent_given_twice_withdrawn_and_the_directory_downloaded(drivers, world) -> None:  # type: ignore[no-untyped-def]
    import vobject

    driver = drivers("phone", "fr")
    page = f"http://127.0.0.1:{world.port}/p/{world.token('Sophie Martin')}"
    driver.get(page)
    assert "La liste de contacts du groupe" in driver.page_source
    shot(driver, "contacts-fr-phone-before")
    driver.find_element(By.ID, "choice-phone").click()
    sentence = driver.find_element(By.CSS_SELECTOR, "label:has(#choice-phone)").text
    submit(driver, "consent-form")
    assert "Merci" in driver.find_element(By.ID, "message").text
    shot(driver, "contacts-fr-phone-given")
    driver.back()  # the same form again, as a double submit or the back button would
    driver.find_element(By.ID, "choice-phone").click()
    submit(driver, "consent-form")
    assert "déjà enregistré" in driver.find_element(By.ID, "message").text
    driver.find_element(By.ID, "back").click()
    assert (
        "Vous partagez votre numéro de téléphone"
        in driver.find_element(By.ID, "consent-state").text
    )
    shot(driver, "contacts-fr-phone-sharing")
    # the coach's card and the group's list, as files
    driver.find_element(By.ID, "coach-card").click()
    card = wait_for_file(driver.downloads, f"coach-{world.slug}.vcf")
    assert vobject.readOne(card.read_text()).fn.value == "Claire Dubois"
    driver.find_element(By.ID, "directory").click()
    listed = wait_for_file(driver.downloads, f"contacts-{world.slug}.vcf")
    cards = list(vobject.readComponents(listed.read_text()))
    assert [(c.fn.value, c.tel.value, hasattr(c, "email")) for c in cards] == [
        ("Sophie Martin", "+33611111111", False)
    ]
    submit(driver, "withdraw-form")
    assert "ne figurent plus" in driver.find_element(By.ID, "message").text
    shot(driver, "contacts-fr-phone-withdrawn")
    log = world.log()
    assert [(a, s) for a, s, *_ in log] == [("given", "page"), ("withdrawn", "page")]
    assert log[0][4] == sentence.strip()
    driver.get(page)
    assert driver.find_elements(By.ID, "directory") == []


@pytest.mark.parametrize("forgery", ["forged", "missing"])
def test_a_forged_or_missing_csrf_token_is_refused(drivers, world, forgery) -> None:  # type: ignore[no-untyped-def]
    driver = drivers("desktop", "fr")
    driver.get(f"http://127.0.0.1:{world.port}/p/{world.token('Sophie Martin')}")
    driver.find_element(By.ID, "choice-phone").click()
    field = driver.find_element(By.CSS_SELECTOR, "#consent-form input[name=check]")
    if forgery == "forged":
        driver.execute_script("arguments[0].value = 'f'.repeat(40)", field)
    else:
        driver.execute_script("arguments[0].remove()", field)
    submit(driver, "consent-form")
    assert "Rien n’a été modifié" in driver.find_element(By.TAG_NAME, "h1").text
    shot(driver, f"csrf-{forgery}-fr-desktop")
    assert world.consents() == [] and world.log() == []


def test_outside_the_window_and_the_dead_link(drivers, world) -> None:  # type: ignore[no-untyped-def]
    end_window(world)
    driver = drivers("phone", "fr")
    token = world.token("Sophie Martin")
    driver.get(f"http://127.0.0.1:{world.port}/p/{token}")
    closed = driver.find_element(By.ID, "sharing-closed").text
    assert "a pris fin le" in closed
    assert driver.find_elements(By.ID, "consent-form") == []
    shot(driver, "contacts-fr-phone-window-over")
    near = ("A" if token[0] != "A" else "B") + token[1:]
    driver.get(f"http://127.0.0.1:{world.port}/p/{near}")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Ce lien ne fonctionne plus"
    assert "Demandez un nouveau lien à votre coach" in driver.page_source
    shot(driver, "dead-link-fr-phone")
    english = drivers("desktop", "en")
    english.get(f"http://127.0.0.1:{world.port}/p/{near}")
    assert english.find_element(By.TAG_NAME, "h1").text == "This link no longer works"
    shot(english, "dead-link-en-desktop")
