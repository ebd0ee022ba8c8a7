"""Offline STAC validation: STAC 1.1.0 core (bundled by pystac-core), MLM v1.5.2 and raster v1.1.0 (stac-schemas/)."""

import json
from pathlib import Path

import pystac.validation
from pystac.validation.stac_validator import JsonSchemaSTACValidator

HERE = Path(__file__).parent / "stac-schemas"
MLM = "https://stac-extensions.github.io/mlm/v1.5.2/schema.json"
RASTER = "https://stac-extensions.github.io/raster/v1.1.0/schema.json"


class OfflineValidator(JsonSchemaSTACValidator):
    """pystac's validator with every schema preloaded; asking for any other one is a failure, not a download."""

    def __init__(self):
        super().__init__()
        self.schema_cache[MLM] = json.loads((HERE / "mlm-v1.5.2.json").read_text())
        self.schema_cache[RASTER] = json.loads((HERE / "raster-v1.1.0.json").read_text())

    def _get_schema(self, schema_uri):
        if schema_uri not in self.schema_cache:
            raise AssertionError(f"validation would fetch {schema_uri}: not available offline")
        return self.schema_cache[schema_uri]


VALIDATOR = OfflineValidator()


def validate(document: dict) -> list[str]:
    """Validates a landing page, collection or item against core and every extension it lists; returns the schemas used."""
    return pystac.validation.validate_dict(document, validator=VALIDATOR)
