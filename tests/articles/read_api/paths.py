"""The read API's paths, as its tests ask for them."""

LIST = "/api/v1/articles/"


def detail(slug: str) -> str:
    return f"/api/v1/articles/{slug}/"
