"""Rate limits are off in tests unless a test turns them on."""

import pytest

# With `limited` (a fixture in conftest.py), which starts the counters from zero.
rate_limited = pytest.mark.parametrize("app_overrides", [{"RATELIMIT_ENABLED": True}], indirect=True)
