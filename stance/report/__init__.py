"""Reports: a run's report.md, the comparison REPORT.md (and .html), the SemEval benchmark doc.

One module per section; `format` owns how every number is written. Nothing here
computes a statistic: the numbers come from stance.evaluation.
"""
