"""The export format every install has: JSON. Plugins register more."""

from __future__ import annotations

import json
from typing import IO, Any


class JsonExport:
    name = "json"
    suffix = ".json"

    def write(self, data: dict[str, Any], stream: IO[str]) -> None:
        json.dump(data, stream, indent=2, ensure_ascii=False, default=str)
        stream.write("\n")
