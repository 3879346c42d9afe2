import pytest

from support.databases import fresh_postgres


@pytest.fixture(scope="module")
def hub_db():
    """A PostgreSQL database of its own for the module's hub, dropped at the end."""
    with fresh_postgres("qms_hub_test") as url:
        yield url
