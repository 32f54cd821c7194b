import pytest


@pytest.fixture(autouse=True)
def roomy_query_budget(request, monkeypatch):
    """These scenarios make many queries with one token in a second; the H-4 meter is tested in
    test_s15 (with its own bucket), the other modules test their own rules."""
    if request.module.__name__.endswith("test_s15_operating"):
        return
    monkeypatch.setenv("RATE_LIMIT_BUCKET", "1000000")
    from app.settings import get_settings

    get_settings.cache_clear()
