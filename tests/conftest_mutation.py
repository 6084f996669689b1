"""A quick, deterministic Hypothesis budget for mutation testing.

Not loaded by a plain ``pytest`` run. ``scripts/mutation.sh`` (through the
``[mutmut]`` section of ``setup.cfg``) loads it as a plugin with
``-p tests.conftest_mutation``; mutmut then runs the covering tests once per
mutant, so every property test, the stateful test included, is capped at
``KIAP_MUTATION_MAX_EXAMPLES`` examples (default 10; the stateful test also at
``KIAP_MUTATION_STATEFUL_STEPS`` steps, default 15) and derandomized, which
makes a mutant's verdict the same on every run.

It works on the settings each test already has (an explicit
``@settings(max_examples=100)`` included), after ``tests/conftest.py`` has
loaded its ``ci`` profile, so ``conftest.py`` needs no change for it.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import settings

CAP = int(os.environ.get("KIAP_MUTATION_MAX_EXAMPLES", "10"))
STEPS = int(os.environ.get("KIAP_MUTATION_STATEFUL_STEPS", "15"))


def _quick(current: settings, *, stateful: bool = False) -> settings:
    extra: dict[str, Any] = {}
    if stateful:
        extra["stateful_step_count"] = min(current.stateful_step_count, STEPS)
    return settings(current, max_examples=min(current.max_examples, CAP), derandomize=True,
                    database=None, deadline=None, **extra)


def pytest_configure(config: pytest.Config) -> None:
    # conftest.py has loaded its profile by now; build on top of it.
    settings.register_profile("mutation", _quick(settings.default))
    settings.load_profile("mutation")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    seen: set[int] = set()
    for item in items:
        function = getattr(item, "obj", None)
        function = getattr(function, "__func__", function)
        if (hasattr(function, "_hypothesis_internal_use_settings")
                and id(function) not in seen):
            seen.add(id(function))
            function._hypothesis_internal_use_settings = _quick(
                function._hypothesis_internal_use_settings)
        cls = getattr(item, "cls", None)
        # A RuleBasedStateMachine's TestCase: a unittest class with a `settings` attribute.
        if (cls is not None and id(cls) not in seen and hasattr(cls, "runTest")
                and isinstance(getattr(cls, "settings", None), settings)):
            seen.add(id(cls))
            cls.settings = _quick(cls.settings, stateful=True)
