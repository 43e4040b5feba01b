"""The five real directives loaxa exists for, shipped with the package: the demo's campaigns and the
normalizer's, renderer's and benchmarks' test input (see seed_texts/README.md)."""

from pathlib import Path

SEED_DIR = Path(__file__).with_name("seed_texts")


def seed_paths() -> list[Path]:
    """The directive texts, in a stable order."""
    return sorted(SEED_DIR.glob("*.txt"))
