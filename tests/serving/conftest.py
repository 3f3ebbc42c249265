from tests.serving.world import acme_key, client, warehouse  # noqa: F401 (fixtures)
