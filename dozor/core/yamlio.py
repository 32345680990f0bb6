"""Reading YAML (country packs, redaction patterns): one safe loader for the whole project.

libyaml's C parser (``CSafeLoader``, in PyYAML's wheels) parses several times faster than the pure
Python one; where PyYAML was built without libyaml the pure ``SafeLoader`` gives the same data.
Either way only plain data is built (no Python objects from tags), as ``yaml.safe_load`` does.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

# CSafeLoader is no subclass of SafeLoader (it mixes the C parser into the same constructor).
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def yaml_load(stream: str | bytes | IO[str] | IO[bytes]) -> Any:
    """Parse one YAML document safely; raises ``yaml.YAMLError`` when it is not valid YAML."""
    return yaml.load(stream, Loader=SafeLoader)
