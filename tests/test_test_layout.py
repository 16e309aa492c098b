"""The test tree's own rules.

Test directories are not packages, so pytest imports every test module by
its file name: two modules with one name in different folders make the whole
run stop at collection. This fails first, and says which to rename.
"""

from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).parent


def test_test_module_names_are_unique() -> None:
    by_name: dict[str, list[str]] = defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if "fixtures" not in path.relative_to(TESTS).parts:
            by_name[path.name].append(str(path.relative_to(TESTS)))
    clashes = {name: paths for name, paths in by_name.items() if len(paths) > 1}
    assert not clashes, f"rename so each test module name is unique: {clashes}"
