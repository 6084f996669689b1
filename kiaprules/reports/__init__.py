"""What is computed from payout reports (layer 4): explanations, comparisons, summaries, sweeps.

Importing this package gives :class:`~kiaprules.engine.report.PayoutReport`
its methods ``explain``, ``explanations``, ``compare``, ``summary`` and ``plot``. They
are functions of this layer; attaching them here keeps the engine free of imports of the
code that consumes its results, while ``report.explain(...)`` still reads
as a method. ``import kiaprules`` imports this package, so every report has
them.
"""

from kiaprules.engine.report import PayoutReport
from kiaprules.reports.explain import explain, explanations
from kiaprules.reports.plot import plot_report
from kiaprules.reports.summary import summarise
from kiaprules.reports.whatif import compare_reports

# setattr, not assignment: type checkers see these methods declared (under
# TYPE_CHECKING) on the class itself.
setattr(PayoutReport, "explain", explain)  # noqa: B010
setattr(PayoutReport, "explanations", explanations)  # noqa: B010
setattr(PayoutReport, "compare", compare_reports)  # noqa: B010
setattr(PayoutReport, "summary", summarise)  # noqa: B010
setattr(PayoutReport, "plot", plot_report)  # noqa: B010
