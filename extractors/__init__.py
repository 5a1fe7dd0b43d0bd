"""Where the templates and their data live: known without importing the template model (pydantic,
YAML), so that `fichas --help` and a run with nothing to read start fast."""
from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent / "templates"
DATA_DIR = Path(__file__).parent / "data"
DEFAULT_TEMPLATE = TEMPLATES_DIR / "catalogo_oim.yml"
