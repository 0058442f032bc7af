"""Reports: a run's report.md, the comparison REPORT.md (and .html), the SemEval benchmark doc.

One module per section; `format` owns how every number is written. Nothing here
computes a statistic: the numbers come from stance.evaluation.
"""

# The run every other run is compared with, unless `stance report --baseline` names another.
DEFAULT_BASELINE = "tfidf_logreg"
