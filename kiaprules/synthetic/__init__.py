"""Synthetic countries for demos and benchmarks: outside the core.

Nothing in the library imports this package (only the ``kiaprules
generate`` command does), and ``import kiaprules`` leaves it alone. It builds
clusters with the public model and nothing else.

>>> from kiaprules.synthetic import generate_country
>>> len(generate_country(seed=7))
116
"""

from kiaprules.synthetic.country import CountryStatistics, generate_country, snapshot_statistics

__all__ = ["CountryStatistics", "generate_country", "snapshot_statistics"]
