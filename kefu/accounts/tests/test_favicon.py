from django.test import Client


def test_it_sends_the_browser_to_the_icon_without_setting_a_csrf_cookie(db):
    response = Client().get("/favicon.ico")

    assert response.status_code == 301
    assert response["Location"].endswith("kefu/favicon.svg")
    assert "csrftoken" not in response.cookies
