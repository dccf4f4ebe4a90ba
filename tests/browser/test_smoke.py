def test_login_page_renders_in_chinese_and_switches_to_english(live_server, browser, artifacts):
    page = browser.new_page(viewport={"width": 360, "height": 640})
    page.goto(f"{live_server.url}/login")
    assert page.locator("h1").inner_text() == "登录"
    page.click("#lang-switch")
    assert page.locator("h1").inner_text() == "Sign in"
    page.screenshot(path=str(artifacts / "login.png"))
    page.close()
