import pytest


@pytest.fixture
def cast(author, chair, reviewers, other_author):
    return {
        "author": author,
        "chair": chair,
        "reviewer1": reviewers[0],
        "reviewer2": reviewers[1],
        "reviewer3": reviewers[2],
        "other_author": other_author,
    }
