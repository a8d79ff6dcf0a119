"""django-ninja names an OpenAPI component by its schema class's name: two classes of the
same name (in two apps) make one component, and the API then documents one shape for
both (schemathesis caught a project's figures validated against training's)."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found.add(sub)
        found |= _subclasses(sub)
    return found


def test_every_api_schema_has_its_own_name():
    import kefu.api  # noqa: F401  (imports every app's routes)

    by_name: dict[str, list[str]] = defaultdict(list)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("kefu.") and ".tests" not in cls.__module__:
            by_name[cls.__name__].append(cls.__module__)
    clashes = {name: modules for name, modules in by_name.items() if len(modules) > 1}
    assert clashes == {}
