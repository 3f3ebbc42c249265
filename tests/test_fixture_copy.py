"""The repository's copy of the shared fixtures (tests/fixtures) is the shared one: where
../shared/fixtures exists (CI, the team's machines), every file is the same, so a changed
shared fixture fails here until the copy is refreshed:
`cp -r ../shared/fixtures/* tests/fixtures/`."""

import hashlib
from pathlib import Path

from tests.conftest import FIXTURES, SHARED_FIXTURES


def _digests(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def test_the_fixture_copy_is_the_shared_fixtures():
    assert (FIXTURES / "small" / "expected.json").exists()
    if SHARED_FIXTURES.exists():
        assert _digests(FIXTURES) == _digests(SHARED_FIXTURES)
