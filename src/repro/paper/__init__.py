"""The paper's items recomputed from the published data, each beside the paper's printed numbers.

One small module per family of items (PAPER.md, "Items"); each returns DataFrames with ours /
paper / difference columns and ``report_rows`` functions that build the reproduction report.
"""
