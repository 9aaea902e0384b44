"""
The code's layout is its architecture (docs/architecture.md): `pages` is split into rooms by
concern, imports only ever go down from one room to the rooms below it, nothing imports itself
round a cycle, and Wagtail and Django are wired in at one place each. Read from the source with
`ast`, so that a function-local import counts as much as one at the top of a module.
"""

import ast
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
FIRST_PARTY = ("pages", "kbsite")

# Bottom to top: a module may import from its own room and from the rooms below it, never above.
ROOMS = [
    (
        "content core",
        [
            "pages.models",
            "pages.blocks",
            "pages.rich_text",
            "pages.sanitising",
            "pages.embeds",
            "pages.indexing",
            "pages.concurrency",
        ],
    ),
    ("gitbook", ["pages.gitbook"]),
    ("search", ["pages.search"]),
    ("reading", ["pages.reading", "pages.templatetags"]),
    ("caching", ["pages.caching"]),
    ("feedback", ["pages.feedback"]),
    ("editorial", ["pages.editorial"]),
    (
        "wiring",
        [
            "pages.apps",
            "pages.signal_handlers",
            "pages.wagtail_hooks",
            "pages.management",
            "pages.migrations",
            "pages",
        ],
    ),
]
MOST_TOP_LEVEL_MODULES = 10


def module_name(path):
    parts = list(path.relative_to(PROJECT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files():
    for package in FIRST_PARTY:
        yield from sorted((PROJECT / package).rglob("*.py"))


MODULES = {module_name(path): path for path in source_files()}


def parse(name):
    return ast.parse(MODULES[name].read_text(), filename=str(MODULES[name]))


def imported_modules(name):
    """Every first-party module `name` imports, at any depth of its code, as (module, line)."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(parse(name)):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([node.module] if node.module else []))
            # `from pages.editorial import attention` imports the module attention.
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base
                for alias in node.names
            ]
        else:
            continue
        for target in targets:
            if target.split(".")[0] in FIRST_PARTY:
                yield target, node.lineno


def room_of(name):
    """(rank, room) of the room whose longest prefix names the module."""
    matches = [
        (len(prefix), rank, room)
        for rank, (room, prefixes) in enumerate(ROOMS)
        for prefix in prefixes
        if name == prefix or name.startswith(prefix + ".")
    ]
    assert matches, f"{name} is in no room of tests/test_rooms.py: give it one"
    _, rank, room = max(matches)
    return rank, room


def test_every_module_of_pages_is_in_a_room():
    for name in MODULES:
        if name.startswith("pages"):
            room_of(name)


def test_pages_keeps_few_modules_at_its_top_level():
    top_level = sorted(path.name for path in (PROJECT / "pages").glob("*.py"))
    assert len(top_level) <= MOST_TOP_LEVEL_MODULES, top_level


def test_imports_only_go_down_from_room_to_room():
    upward = []
    for name in MODULES:
        if not name.startswith("pages"):
            continue
        rank, room = room_of(name)
        for target, line in imported_modules(name):
            if not target.startswith("pages"):
                continue
            target_rank, target_room = room_of(target)
            if target_rank > rank:
                upward.append(f"{MODULES[name]}:{line}: {room} imports {target} ({target_room})")
    assert not upward, "\n".join(upward)


def test_no_module_imports_itself_round_a_cycle():
    graph = {name: {target for target, _ in imported_modules(name)} for name in MODULES}
    cycles = []
    state = {}  # name -> "visiting" | "done"

    def visit(name, trail):
        state[name] = "visiting"
        for target in sorted(graph.get(name, ())):
            if target not in graph:
                continue
            if state.get(target) == "visiting":
                cycles.append(" -> ".join(trail[trail.index(target) :] + [target]))
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "\n".join(cycles)


def test_the_project_level_security_module_needs_nothing_of_pages():
    # pages.feedback counts answers by kbsite.security's client address: it sits below pages.
    assert not [target for target, _ in imported_modules("kbsite.security")]


def calls_in(name):
    """(line, function called, first argument, enclosing function) of each call in `name`:
    ("hooks.register", "'register_admin_urls'", None) for a decorator at module level."""
    found = []

    def walk(node, function):
        for child in ast.iter_child_nodes(node):
            defines = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Call):
                first = ast.unparse(child.args[0]) if child.args else ""
                found.append((child.lineno, ast.unparse(child.func), first, function))
            walk(child, child.name if defines else function)

    walk(parse(name), None)
    return found


def test_wagtail_hooks_is_the_only_place_that_registers_a_hook():
    registrations = {
        name: [line for line, called, _, _ in calls_in(name) if called == "hooks.register"]
        for name in MODULES
    }
    elsewhere = [
        f"{MODULES[name]}:{line}"
        for name, lines in registrations.items()
        if name != "pages.wagtail_hooks"
        for line in lines
    ]
    assert not elsewhere, "\n".join(elsewhere)
    assert registrations["pages.wagtail_hooks"]


# pages.indexing.deferred_indexing suspends Wagtail's search-index receivers during a bulk write
# and connects them again: a suspension of Wagtail's own, not a receiver of ours.
RECONNECTED = {("pages.indexing", "post_save_signal_handler")}


def test_signal_handlers_is_the_only_place_that_connects_a_signal():
    elsewhere = [
        f"{MODULES[name]}:{line}: {called}({argument})"
        for name in MODULES
        if name.startswith("pages") and name != "pages.signal_handlers"
        for line, called, argument, _ in calls_in(name)
        if called.endswith(".connect") and (name, argument) not in RECONNECTED
    ]
    assert not elsewhere, "\n".join(elsewhere)


def test_the_streamfield_comparison_is_registered_when_the_app_is_ready_not_at_import():
    at_import = [
        f"{MODULES[name]}:{line}"
        for name in MODULES
        for line, called, _, function in calls_in(name)
        if called == "register_comparison_class" and function is None
    ]
    assert not at_import, "\n".join(at_import)


def test_nothing_is_imported_for_its_side_effects():
    noqa = [
        f"{path}:{number}"
        for path in MODULES.values()
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "noqa: F401" in line
    ]
    assert not noqa, "\n".join(noqa)
