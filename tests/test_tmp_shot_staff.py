import re
from typing import Any
import pytest
from nte.accounts import create_user
from nte.db import connect
from tests.conftest import run_async
from venues.demo import load_demo

@pytest.fixture
def arranged(dsn):
    async def go():
        conn = await connect(dsn)
        await load_demo(conn, progress=False)
        vid = await conn.fetchval("SELECT venue_id FROM staff WHERE role='door_supervisor' GROUP BY venue_id ORDER BY count(*) DESC LIMIT 1")
        await create_user(conn, email="o@x.test", role="officer", password="a long password here")
        await conn.close()
        return vid
    return run_async(go())

def test_shot(browser, live_server, arranged):
    for w, h in ((768, 1024), (390, 844)):
        ctx = browser.new_context(viewport={"width": w, "height": h})
        page = ctx.new_page()
        page.goto(live_server.url + "/login")
        page.fill("#email", "o@x.test"); page.fill("#password", "a long password here")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile("/venues"))
        page.goto(f"{live_server.url}/venues/{arranged}/staff")
        page.screenshot(path=f"/tmp/staff_{w}.png", full_page=True)
        page.goto(f"{live_server.url}/venues/{arranged}")
        page.wait_for_timeout(800)
        page.screenshot(path=f"/tmp/venue_{w}.png")
        sid = page.evaluate("1")
        page.goto(f"{live_server.url}/venues/{arranged}/staff/new")
        page.screenshot(path=f"/tmp/form_{w}.png", full_page=True)
        ctx.close()
