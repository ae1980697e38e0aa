#!/usr/bin/python3
"""Browser tests of the leaktap web page, in real headless Chromium (Debian's
chromium + chromium-driver, driven by python3-selenium).

    tests/web/run.py BASE_URL [--otp OTP | --password PW] [--new-password PW]
                     [--upload-cmd CMD] [--shots DIR] [--max-load-ms 1000]

BASE_URL is the appliance (https://10.77.0.250 in the lab; its certificate is
self-signed, so certificate errors are ignored). With --otp the first-boot
flow is tested: log in with the one-time password, the forced password change,
then the rest as the new password (--new-password). Without --otp, --password
logs in and the first-boot test is skipped.

--upload-cmd is a shell command that makes an office host upload a video
through the appliance (in the lab: a curl in the office namespace); the test
then waits for the alert to appear on the Alerts page. Screenshots go to
build/web-shots/ (or --shots). Ends with "N passed, N failed[, N skipped]".
"""
import argparse
import os
import re
import subprocess
import sys
import time
import traceback

from selenium import webdriver
from selenium.common.exceptions import (NoSuchElementException, StaleElementReferenceException,
                                        TimeoutException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Skip(Exception):
    pass


class T:
    """The run's shared state: driver, arguments, results."""

    def __init__(self, args):
        self.a = args
        self.base = args.base.rstrip("/")
        self.password = args.password
        self.passed = self.failed = self.skipped = 0
        self.figures = {}
        self.new_alert = None
        os.makedirs(args.shots, exist_ok=True)
        o = webdriver.ChromeOptions()
        o.binary_location = args.chromium
        for f in ("--headless=new", "--ignore-certificate-errors", "--no-sandbox",
                  "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1000",
                  "--no-first-run", "--disable-extensions", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--disable-default-apps"):
            o.add_argument(f)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.d = webdriver.Chrome(service=Service(args.chromedriver), options=o)
        # Record CSP violations from the first byte of every page (injected scripts are exempt).
        self.d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": (
            "window.__csp = []; document.addEventListener('securitypolicyviolation', "
            "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")})
        self.d.set_page_load_timeout(30)

    # -- helpers --
    def wait(self, cond, timeout=10, what="condition"):
        try:
            # The page re-renders lists on every poll: an element may go stale between two reads.
            return WebDriverWait(self.d, timeout, poll_frequency=0.1, ignored_exceptions=(
                NoSuchElementException, StaleElementReferenceException)).until(lambda d: cond())
        except TimeoutException:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")

    def q(self, css):
        return self.d.find_element(By.CSS_SELECTOR, css)

    def visible(self, css):
        els = self.d.find_elements(By.CSS_SELECTOR, css)
        return bool(els) and els[0].is_displayed()

    def view(self):
        for v in self.d.find_elements(By.CSS_SELECTOR, "section.view"):
            if v.is_displayed():
                return v.get_attribute("id")[2:]
        return None

    def wait_view(self, name, timeout=10):
        self.wait(lambda: self.view() == name, timeout, f"the {name} view")

    def err(self, form_css, field):
        return self.q(f'{form_css} [data-err="{field}"]').text.strip()

    def shot(self, name):
        path = os.path.join(self.a.shots, name + ".png")
        self.d.save_screenshot(path)
        return path

    def load(self, url):
        """Navigate; again when Chromium reports a network change (a namespace's
        IPv6 addresses settling right after the lab came up): ERR_NETWORK_CHANGED
        aborts that one navigation, not the appliance's answer."""
        for _ in range(5):
            self.d.get(url)
            if "ERR_NETWORK_CHANGED" not in (self.d.page_source or ""):
                return
            time.sleep(1)
        raise AssertionError("Chromium kept reporting ERR_NETWORK_CHANGED")

    def go(self, view):
        self.d.execute_script("location.hash = arguments[0]", view)
        self.wait_view(view)

    def click(self, css):
        """Click, again if a poll replaced the element between finding and clicking it."""
        for _ in range(3):
            try:
                return self.q(css).click()
            except StaleElementReferenceException:
                time.sleep(0.1)
        return self.q(css).click()

    def fill(self, css, text):
        e = self.q(css)
        e.clear()
        e.send_keys(text)

    def js(self, script, *args):
        return self.d.execute_script(script, *args)

    def fetch(self, path):
        """GET path from inside the page (with its cookie): [status, content type, text]."""
        return self.d.execute_async_script(
            "const cb = arguments[arguments.length - 1];"
            "fetch(arguments[0], {credentials: 'same-origin'}).then(async r => "
            "cb([r.status, r.headers.get('Content-Type') || '', await r.text()]))"
            ".catch(e => cb([0, '', String(e)]));", path)

    def login(self, pw):
        self.wait_view("login")
        self.fill("#login-pw", pw)
        self.click("#f-login button[type=submit]")

    def page_problems(self):
        """CSP violations and script errors of the page so far; HTTP error answers are expected."""
        out = [f"CSP violation: {v}" for v in (self.js("return window.__csp || []") or [])]
        for e in self.d.get_log("browser"):
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]:
                out.append(f"console: {e['message'][:200]}")
        return out

    def run(self, name, fn):
        t0 = time.time()
        try:
            fn(self)
            bad = self.page_problems()
            assert not bad, "; ".join(bad)
            self.passed += 1
            print(f"PASS {name} ({time.time() - t0:.1f} s)", flush=True)
        except Skip as e:
            self.skipped += 1
            print(f"SKIP {name}: {e}", flush=True)
        except Exception as e:  # one failing test must not stop the others
            self.failed += 1
            print(f"FAIL {name}: {e}", flush=True)
            if not isinstance(e, AssertionError):
                traceback.print_exc()
            try:
                print(f"     screenshot {self.shot('FAIL-' + name)}", flush=True)
            except Exception:
                pass


# ---- the tests, in order: each leaves the browser logged in unless it says otherwise ----

def t_first_boot(t):
    t.load(t.base + "/")
    t.wait_view("login")
    t.shot("01-login")
    if not t.a.otp:
        t.login(t.password)
        t.wait_view("status")
        raise Skip("no --otp given: logged in with --password instead")
    t.fill("#login-pw", "definitely-not-the-password")
    t.click("#f-login button[type=submit]")
    t.wait(lambda: t.err("#f-login", "password"), 15, "the wrong-password message")
    assert "wrong" in t.err("#f-login", "password").lower(), t.err("#f-login", "password")
    t.login(t.a.otp)
    t.wait_view("pwchange", 15)
    assert not t.visible("#nav"), "the menu must stay hidden until the password is changed"
    t.shot("02-password-change")
    f = "#f-pwchange"
    t.fill(f + " [name=old]", t.a.otp)
    t.fill(f + " [name=new]", "short")
    t.fill(f + " [name=new2]", "short")
    t.click(f + " button[type=submit]")
    t.wait(lambda: t.err(f, "new"), 5, "the too-short message")
    t.fill(f + " [name=new]", t.a.new_password)
    t.fill(f + " [name=new2]", t.a.new_password)
    t.click(f + " button[type=submit]")
    t.wait_view("status", 15)
    t.password = t.a.new_password
    # The one-time password no longer works; the new one does.
    t.d.delete_all_cookies()
    t.load(t.base + "/")
    t.login(t.a.otp)
    t.wait(lambda: t.err("#f-login", "password"), 15, "the one-time password to be refused")
    t.login(t.password)
    t.wait_view("status", 15)


def _num(text):
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits else None


def t_status_live(t):
    t.go("status")
    t.wait(lambda: t.js("return document.body.dataset.statusReady") == "1", 10, "status data")
    for sel in ("#st-uptime", "#st-ip", "#st-version", "#st-mode", "#st-flows", "#st-leds"):
        assert t.q(sel).text.strip() not in ("", "—"), f"{sel} is empty"
    leds = t.q("#st-leds").text
    assert "[object" not in leds and re.search(r"power: (on|off|slow|fast|double|blip)", leds), \
        f"LEDs not shown as patterns: {leds!r}"
    cell = '#st-ports td[data-k="lan.rx_frames"]'
    first = _num(t.q(cell).text)
    up0 = t.q("#st-updated").text
    assert first is not None, "no LAN frame count shown"
    # The page polls every 3 s: the stamp must move, and on a live bridge the frame count too.
    t.wait(lambda: t.q("#st-updated").text != up0, 10, "the next status poll")
    t.wait(lambda: _num(t.q(cell).text) != first, 20, "the LAN frame count to change")
    polys = t.d.find_elements(By.CSS_SELECTOR, "#graph polyline")
    note = t.q("#graph-note").text
    assert polys or "Collecting" in note, "no throughput graph and no 'collecting' note"
    t.figures["graph_lines"] = len(polys)
    t.shot("03-status")


def t_status_load_time(t):
    """Cold load (cache cleared) of the status page, logged in: navigation timing."""
    t.d.execute_cdp_cmd("Network.enable", {})
    t.d.execute_cdp_cmd("Network.clearBrowserCache", {})
    t.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    try:
        t.d.get("about:blank")
        t.load(t.base + "/#status")
        t.wait(lambda: t.js("return document.body.dataset.statusReady") == "1", 10, "status data")
        nav = t.js("const n = performance.getEntriesByType('navigation')[0];"
                   "return [n.domContentLoadedEventEnd, n.loadEventEnd, n.transferSize];")
        mark = t.js("const m = performance.getEntriesByName('status-rendered');"
                    "return m.length ? m[0].startTime : null;")
        res = t.js("return performance.getEntriesByType('resource')"
                   ".map(r => [r.name, r.transferSize, r.encodedBodySize]);")
    finally:
        t.d.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": False})
    dcl, load, _ = nav
    t.figures.update(status_dcl_ms=round(dcl), status_load_ms=round(load),
                     status_data_ms=round(mark) if mark is not None else None)
    print(f"     status page: DOMContentLoaded {dcl:.0f} ms, load event {load:.0f} ms, "
          f"live numbers shown at {mark:.0f} ms (cold cache)", flush=True)
    origin = re.match(r"^https?://[^/]+", t.base).group(0)
    outside = [r[0] for r in res if not r[0].startswith(origin)]
    assert not outside, f"the page fetched from elsewhere: {outside}"
    assert load < t.a.max_load_ms, f"load event at {load:.0f} ms >= {t.a.max_load_ms} ms"
    assert mark is not None and mark < t.a.max_load_ms, \
        f"live numbers at {mark} ms >= {t.a.max_load_ms} ms"


def t_phone_layout(t):
    t.d.set_window_size(390, 844)
    try:
        for v in ("status", "alerts", "policy"):
            t.go(v)
            time.sleep(0.5)
            over = t.js("return document.documentElement.scrollWidth - window.innerWidth")
            assert over <= 1, f"{v} page is {over} px wider than a 390 px phone screen"
            t.shot(f"04-phone-{v}")
    finally:
        t.d.set_window_size(1280, 1000)


def _alert_ids(t):
    # In one script: the rows are replaced by every poll, so no element handles kept.
    return t.js("return Array.from(document.querySelectorAll('#al-rows tr[data-id]'))"
                ".map(r => r.dataset.id)")


def t_alert_after_upload(t):
    if not t.a.upload_cmd:
        raise AssertionError("no --upload-cmd given: cannot make an upload")
    t.go("alerts")
    t.wait(lambda: t.q("#al-count").text, 10, "the alert list")
    before = set(_alert_ids(t))
    r = subprocess.run(t.a.upload_cmd, shell=True, timeout=120, capture_output=True, text=True)
    assert r.returncode == 0, f"upload command failed ({r.returncode}): {r.stderr.strip()[:300]}"
    # The Alerts page polls every 5 s; the alert follows the upload within a second or two.
    t.wait(lambda: set(_alert_ids(t)) - before, 30, "a new alert row")
    new = sorted(set(_alert_ids(t)) - before, key=int)[-1]
    t.new_alert = new
    row = t.q(f'#al-rows tr[data-id="{new}"]')
    assert "new" in row.get_attribute("class").split(), "a fresh alert must show as new"
    t.shot("05-alert-appeared")


def t_allow_from_alert(t):
    if not t.new_alert:
        raise AssertionError("no alert from the upload test to act on")
    t.go("alerts")
    t.wait(lambda: t.new_alert in _alert_ids(t), 10, "the alert row")
    t.click(f'#al-rows tr[data-id="{t.new_alert}"]')
    t.wait(lambda: t.visible("#al-detail"), 5, "the detail view")
    t.wait(lambda: t.q("#ad-id").text == "#" + t.new_alert, 5, "the detail of the new alert")
    ev = t.d.find_elements(By.CSS_SELECTOR, '#ad-fields dd[data-k="evidence"]')
    assert ev and ev[0].text.strip(), "the detail view shows no evidence"
    name = t.d.find_elements(By.CSS_SELECTOR, '#ad-fields dd[data-k="remote_name"]')
    ip = t.q('#ad-fields dd[data-k="remote_ip"]').text.strip()
    entry = (name[0].text.strip() if name else ip).lower()
    t.shot("06-alert-detail")
    t.click("#ad-allow")
    t.wait(lambda: t.q('#al-detail [data-err="detail"]').text, 10, "the allow answer")
    msg = t.q('#al-detail [data-err="detail"]').text
    assert entry in msg.lower(), f"allow answer does not name {entry}: {msg}"
    t.click("#ad-ack")
    t.wait(lambda: "new" not in t.q(f'#al-rows tr[data-id="{t.new_alert}"]')
           .get_attribute("class").split(), 10, "the alert to be acknowledged")
    t.shot("07-allowed-acked")
    t.go("policy")
    t.wait(lambda: t.q('#f-policy [name="allow"]').get_attribute("value"), 10, "the allow list")
    lines = t.q('#f-policy [name="allow"]').get_attribute("value").split("\n")
    assert entry in [x.strip().lower() for x in lines], f"{entry} not in the allow list {lines}"


def t_policy_change(t):
    t.go("policy")
    f = "#f-policy"
    t.wait(lambda: t.q(f + " [name=window_s]").get_attribute("value"), 10, "the policy form")
    orig = {k: t.q(f"{f} [name={k}]").get_attribute("value")
            for k in ("threshold_mb", "window_s", "local_nets")}
    # 1. Checked in the page: no request, the message next to the field.
    t.fill(f + " [name=threshold_mb]", "-5")
    t.click(f + " button[type=submit]")
    t.wait(lambda: t.err(f, "threshold_mb"), 5, "the threshold message")
    assert "threshold_mb" in t.err(f, "threshold_mb")
    assert "bad" in t.q(f + " [name=threshold_mb]").get_attribute("class")
    t.shot("08-policy-page-error")
    # 2. Passes the page's check, refused by the device (host bits set): shown by the field.
    t.fill(f + " [name=threshold_mb]", orig["threshold_mb"])
    t.fill(f + " [name=local_nets]", orig["local_nets"] + "\n10.0.0.1/8")
    t.click(f + " button[type=submit]")
    t.wait(lambda: t.err(f, "local_nets"), 10, "the device's local_nets message")
    t.shot("09-policy-device-error")
    # 3. A good change: saved, applied, and still there after a reload.
    new_window = "601" if orig["window_s"] != "601" else "602"
    t.fill(f + " [name=local_nets]", orig["local_nets"])
    t.fill(f + " [name=window_s]", new_window)
    t.click(f + " button[type=submit]")
    t.wait(lambda: "Saved" in t.q(f + " [data-ok]").text, 10, "the saved message")
    assert not t.err(f, "local_nets")
    t.d.refresh()
    t.wait_view("policy")
    t.wait(lambda: t.q(f + " [name=window_s]").get_attribute("value") == new_window, 10,
           f"window_s {new_window} after a reload")
    t.shot("10-policy-saved")
    t.fill(f + " [name=window_s]", orig["window_s"])  # leave the appliance as it was
    t.click(f + " button[type=submit]")
    t.wait(lambda: "Saved" in t.q(f + " [data-ok]").text, 10, "the restore of window_s")


def t_exports(t):
    st, ctype, text = t.fetch("/api/alerts.csv")
    assert st == 200 and "text/csv" in ctype, f"CSV export: {st} {ctype}"
    assert text.startswith("alert_id,ts,lan_ip"), f"CSV header: {text[:60]}"
    st, ctype, text = t.fetch("/api/alerts.json")
    assert st == 200 and '"alerts"' in text, f"JSON export: {st} {text[:60]}"
    for a in ("#exp-csv", "#exp-json"):
        assert t.q(a).get_attribute("href").startswith(t.base + "/api/alerts.")


def t_alert_filters(t):
    t.go("alerts")
    t.wait(lambda: t.q("#al-count").text, 10, "the alert list")
    f = "#f-afilter"
    all_ids = _alert_ids(t)
    assert all_ids, "no alerts to filter"
    # A LAN host nobody has: an empty list, and the exports follow the filter.
    t.fill(f + " [name=lan]", "192.0.2.254")
    t.click(f + " button[type=submit]")
    t.wait(lambda: not _alert_ids(t), 10, "an empty list for an unknown LAN host")
    assert "lan=192.0.2.254" in t.q("#exp-csv").get_attribute("href")
    t.fill(f + " [name=lan]", "")
    Select(t.q(f + " [name=acked]")).select_by_value("1")
    t.click(f + " button[type=submit]")
    t.wait(lambda: t.d.find_elements(By.CSS_SELECTOR, "#al-rows tr") and
           not t.d.find_elements(By.CSS_SELECTOR, "#al-rows tr.new"), 10,
           "only acknowledged alerts")
    t.shot("10a-alerts-filtered")
    Select(t.q(f + " [name=acked]")).select_by_value("")
    t.click(f + " button[type=submit]")
    t.wait(lambda: len(_alert_ids(t)) == len(all_ids), 10, "the whole list again")


def t_destinations(t):
    t.go("destinations")
    t.wait(lambda: t.d.find_elements(By.CSS_SELECTOR, "#ds-rows tr"), 10, "rows")
    rows = t.d.find_elements(By.CSS_SELECTOR, "#ds-rows tr[data-ip]")
    assert rows, "no destinations although an upload raised an alert"
    t.shot("11-destinations")
    todo = [r.get_attribute("data-ip") for r in rows
            if r.find_elements(By.CSS_SELECTOR, "button[data-act=reject]")]
    if len(todo) < 2:
        raise Skip("fewer than two destinations still to approve or reject")
    rej, app = todo[0], todo[1]
    t.click(f'#ds-rows tr[data-ip="{rej}"] button[data-act=reject]')
    t.wait(lambda: not t.d.find_elements(By.CSS_SELECTOR, f'#ds-rows tr[data-ip="{rej}"]'), 10,
           f"{rej} to leave the list")
    t.click(f'#ds-rows tr[data-ip="{app}"] button[data-act=approve]')
    t.wait(lambda: "allowed" in t.q(f'#ds-rows tr[data-ip="{app}"]').text, 10,
           f"{app} to show as allowed")
    t.shot("11b-destinations-done")


def t_network_validation(t):
    """Only the page's checks: saving a management address could cut the test off."""
    t.go("network")
    f = "#f-network"
    t.wait(lambda: t.q(f + ' [name="mgmt.hostname"]').get_attribute("value"), 10, "the form")
    orig = t.q(f + ' [name="mgmt.address"]').get_attribute("value")
    t.fill(f + ' [name="mgmt.address"]', "192.168.1.250")
    t.fill(f + ' [name="syslog.port"]', "70000")
    t.click(f + " button[type=submit]")
    t.wait(lambda: t.err(f, "mgmt.address") and t.err(f, "syslog.port"), 5, "both messages")
    t.shot("12-network-errors")
    t.fill(f + ' [name="mgmt.address"]', orig)
    t.d.refresh()
    t.wait_view("network")


def t_system_backup_restore(t):
    t.go("system")
    t.wait(lambda: t.q("#sy-info").text, 10, "the firmware version")
    st, _, text = t.fetch("/api/config/backup")
    assert st == 200 and text.lstrip().startswith("{"), f"backup: {st} {text[:60]}"
    path = os.path.abspath(os.path.join(t.a.shots, "backup.json"))
    with open(path, "w") as fh:
        fh.write(text)
    t.q('#f-restore [name="file"]').send_keys(path)
    t.click("#f-restore button[type=submit]")
    t.wait(lambda: "Restored" in t.q("#f-restore [data-ok]").text or
           t.err("#f-restore", "_form"), 10, "the restore answer")
    assert not t.err("#f-restore", "_form"), t.err("#f-restore", "_form")
    # A file that is not a configuration is refused in the page.
    with open(path, "w") as fh:
        fh.write("not json")
    t.q('#f-restore [name="file"]').send_keys(path)
    t.click("#f-restore button[type=submit]")
    t.wait(lambda: t.err("#f-restore", "_form"), 5, "the bad-file message")
    t.fill('#f-reset [name="confirm"]', "yes")  # factory reset needs the exact word
    t.click("#f-reset button[type=submit]")
    t.wait(lambda: t.err("#f-reset", "confirm"), 5, "the confirmation message")
    t.shot("13-system")


def t_session_expiry(t):
    """A session that ends under the page (expiry, reboot): the next poll leads to the login."""
    t.go("policy")
    t.d.delete_all_cookies()
    t.wait_view("login", 10)
    msg = t.err("#f-login", "password")
    assert "session" in msg.lower(), f"no session-ended message: {msg!r}"
    t.login(t.password)
    t.wait_view("policy", 15)  # back where the user was


def t_logout(t):
    t.click("#logout")
    t.wait_view("login")
    t.js("location.hash = 'status'")
    time.sleep(0.5)
    assert t.view() == "login", "a logged-out page must not show the status"
    st, _, _ = t.fetch("/api/status")
    assert st == 401, f"/api/status after logout: {st}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("base", help="the appliance, e.g. https://10.77.0.250")
    ap.add_argument("--otp", help="one-time password of a first boot")
    ap.add_argument("--password", help="the password, when not a first boot")
    ap.add_argument("--new-password", default="leaktap-browser-test")
    ap.add_argument("--upload-cmd", help="shell command that makes an office upload")
    ap.add_argument("--shots", default=os.path.join(TOP, "build", "web-shots"))
    ap.add_argument("--max-load-ms", type=float, default=1000.0)
    ap.add_argument("--chromium", default="/usr/bin/chromium")
    ap.add_argument("--chromedriver", default="/usr/bin/chromedriver")
    a = ap.parse_args()
    if not a.otp and not a.password:
        ap.error("give --otp (first boot) or --password")
    if not re.match(r"^https?://[^/]+/?$", a.base):
        ap.error(f"base URL must be scheme://host[:port], not {a.base}")
    for exe in (a.chromium, a.chromedriver):
        if not os.access(exe, os.X_OK):
            print(f"run: error: {exe} missing (tools/bootstrap installs chromium, chromium-driver)",
                  file=sys.stderr)
            print("0 passed, 1 failed")
            return 1
    t = T(a)
    try:
        for name, fn in (("first-boot-login", t_first_boot), ("status-live", t_status_live),
                         ("status-load-time", t_status_load_time),
                         ("phone-layout", t_phone_layout),
                         ("alert-after-upload", t_alert_after_upload),
                         ("allow-from-alert", t_allow_from_alert),
                         ("policy-change", t_policy_change), ("exports", t_exports),
                         ("alert-filters", t_alert_filters), ("destinations", t_destinations),
                         ("network-validation", t_network_validation),
                         ("system-backup-restore", t_system_backup_restore),
                         ("session-expiry", t_session_expiry), ("logout", t_logout)):
            t.run(name, fn)
    finally:
        t.d.quit()
    print("figures: " + ", ".join(f"{k}={v}" for k, v in t.figures.items()))
    print(f"screenshots in {a.shots}")
    tail = f", {t.skipped} skipped" if t.skipped else ""
    print(f"{t.passed} passed, {t.failed} failed{tail}")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
